"""Pages: intake of a new application, the case page with the moves the user may make,
document upload and download, and the written decision letters (DOCX).

Thin: parse the form, call one service, show the service's messages on the form.
"""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import get_visible_or_404
from minzheng.core.audit import write_audit
from minzheng.core.backoffice import render_page, staff_page
from minzheng.core.masking import display_name
from minzheng.registry.selectors import persons_visible_to

from .. import letters
from ..models import APPLICATION_WORKFLOW, ApplicationDocument, ApplicationStatus
from ..selectors.applications import available_moves, case_page, current_household, get_application_for
from ..services import applications as services
from .application_forms import MOVE_FORMS, DocumentForm, IntakeForm

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _starter(user) -> bool:
    return user.is_superuser or user.role in APPLICATION_WORKFLOW.starters


@staff_page(Capability.REGISTRY_CHANGE)
def new_application(request):
    if not _starter(request.user):
        raise PermissionDenied
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = persons_visible_to(request.user).filter(id_number=data["id_number"]).first()
        if person is None:
            form.add_error("id_number", _("在您管辖范围内的户籍人员中没有该身份证号码，请先登记人员"))
        else:
            try:
                application = services.submit_application(
                    actor=request.user,
                    program=data["program"],
                    person=person,
                    household=current_household(person),
                    applied_on=data["applied_on"],
                    reason=data["reason"],
                    declared_income=data["declared_income"],
                    relative_in_civil_affairs=data["relative_in_civil_affairs"],
                    relative_note=data["relative_note"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已提交申请，编号 %(number)s") % {"number": application.number})
                return redirect("assistance:application", pk=application.pk)
    return render_page(
        request,
        "assistance/applications/new.html",
        {"form": form},
        title=_("新建救助申请"),
        status=400 if request.method == "POST" else 200,
    )


def _render_case(request, application, *, bound=None, document_form=None, status=200):
    context = case_page(application, request.user)
    context["forms"] = [
        (
            move,
            bound[1]
            if bound is not None and bound[0] == move.name
            else MOVE_FORMS[move.name](prefix=move.name),
        )
        for move in context["moves"]
    ]
    # the applicant on this one case: a child's full name for roles with `pii.reveal` (audited)
    context["person_name"] = display_name(application.person, user=request.user)
    context["document_form"] = document_form or DocumentForm()
    context["can_upload"] = has_capability(request.user, Capability.REGISTRY_CHANGE)
    context["letter"] = {
        ApplicationStatus.REFUSED: _("下载不予批准通知书"),
        ApplicationStatus.APPROVED: _("下载批准通知书"),
    }.get(application.status)
    if application.status == ApplicationStatus.APPROVED and application.entitlement_id is None:
        context["letter"] = None
    return render_page(
        request,
        "assistance/applications/case.html",
        context,
        title=_("救助申请 %(number)s") % {"number": application.number},
        status=status,
    )


@staff_page(Capability.REGISTRY_VIEW)
def case(request, pk):
    return _render_case(request, get_application_for(request.user, pk))


def _call_move(name: str, application, user, data: dict):
    opinion = data.get("opinion", "")
    if name == "accept":
        return services.accept_application(application, actor=user, opinion=opinion)
    if name == "missing_items":
        return services.list_missing_items(application, actor=user, items=data["items"], opinion=opinion)
    if name == "investigate":
        return services.record_investigation(
            application, actor=user, assessed_income=data["assessed_income"], result_text=data["result_text"]
        )
    if name == "town_review":
        return services.town_review(
            application, actor=user, approve=data["decision"] == "approve", opinion=opinion
        )
    if name == "decide":
        return services.district_decide(
            application,
            actor=user,
            approve=data["decision"] == "approve",
            opinion=opinion,
            start_month=data.get("start_month"),
        )
    if name == "return":
        return services.return_for_investigation(application, actor=user, opinion=opinion)
    if name == "refuse":
        return services.refuse_application(application, actor=user, reasons=opinion)
    if name == "withdraw":
        return services.withdraw_application(application, actor=user, opinion=opinion)
    raise Http404


@require_POST
@staff_page(Capability.REGISTRY_VIEW)
def move(request, pk, name):
    application = get_application_for(request.user, pk)
    if name not in MOVE_FORMS:
        raise Http404
    form = MOVE_FORMS[name](request.POST, prefix=name)
    if form.is_valid():
        try:
            _call_move(name, application, request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("没有权限"))
        else:
            messages.success(
                request,
                _("已办理：%(status)s") % {"status": application.get_status_display()},
            )
            return redirect("assistance:application", pk=application.pk)
    application = get_application_for(request.user, pk)
    if name not in {m.name for m in available_moves(application, request.user)}:
        messages.error(request, "；".join(str(e) for e in form.non_field_errors()) or _("无法办理"))
        return redirect("assistance:application", pk=application.pk)
    return _render_case(request, application, bound=(name, form), status=400)


@require_POST
@staff_page(Capability.REGISTRY_CHANGE)
def upload_document(request, pk):
    application = get_application_for(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attach_document(
                application,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("材料已上传"))
            return redirect("assistance:application", pk=application.pk)
    return _render_case(request, application, document_form=form, status=400)


@staff_page(Capability.REGISTRY_VIEW)
def download_document(request, pk):
    document = get_visible_or_404(
        request.user, ApplicationDocument.objects.select_related("application"), pk=pk
    )
    with transaction.atomic():
        write_audit(actor=request.user, action="download", obj=document, changes={"file": document.file.name})
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1]
    )


@staff_page(Capability.REGISTRY_VIEW)
def letter(request, pk):
    application = get_application_for(request.user, pk)
    if application.status == ApplicationStatus.REFUSED:
        content, title = letters.refusal_letter(application), "不予批准通知书"
    elif application.status == ApplicationStatus.APPROVED and application.entitlement_id:
        content, title = letters.approval_notice(application), "批准通知书"
    else:
        raise Http404
    with transaction.atomic():
        write_audit(actor=request.user, action="export", obj=application, changes={"letter": title})
    response = HttpResponse(content, content_type=DOCX)
    filename = f"{application.number}-{title}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


urlpatterns = [
    path("new/", new_application, name="application-new"),
    path("<int:pk>/", case, name="application"),
    path("<int:pk>/moves/<slug:name>/", move, name="application-move"),
    path("<int:pk>/documents/", upload_document, name="application-document-add"),
    path("<int:pk>/letter/", letter, name="application-letter"),
    path("documents/<int:pk>/", download_document, name="application-document"),
]
