"""Back-office pages of notices (under /assistance/notices/): record an objection, decide it, and
download the printed notice of a village and month (DOCX, logged as an export).

The notice list and detail are the Unfold admin (admin/notices.py); these pages call one
service or selector each.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.accounts.roles import Capability
from minzheng.accounts.scoping import get_visible_or_404
from minzheng.core.audit import write_audit
from minzheng.core.backoffice import render_page, staff_page
from minzheng.core.months import Month
from minzheng.registry.models import Region

from ..selectors.notices import get_notice_for, get_objection_for, print_notices
from ..services.notices import decide_objection, record_objection
from .notice_print import board_content, notice_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ObjectionForm(forms.Form):
    received_on = forms.DateField(
        label=gettext_lazy("收到日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    objector = forms.CharField(
        label=gettext_lazy("异议人"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("可匿名，留空即可"),
    )
    content = forms.CharField(label=gettext_lazy("异议内容"), widget=forms.Textarea(attrs={"rows": 4}))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("核实结论"),
        choices=[
            ("dismissed", gettext_lazy("异议不成立（重新公示7天）")),
            ("upheld", gettext_lazy("异议成立（退回重新入户调查）")),
        ],
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(label=gettext_lazy("核实意见"), widget=forms.Textarea(attrs={"rows": 4}))


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, texts in errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _notice_url(notice) -> str:
    return reverse("admin:assistance_notice_change", args=[notice.pk])


@staff_page(Capability.REGISTRY_CHANGE)
def objection_add(request, pk):
    notice = get_notice_for(request.user, pk)
    form = ObjectionForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            record_objection(notice, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记异议，该申请暂停在公示环节，请在期限内核实处理。"))
            return redirect(_notice_url(notice))
    return render_page(
        request,
        "assistance/notices/objection_form.html",
        {"notice": notice, "form": form, "back": _notice_url(notice)},
        title=_("登记公示异议"),
        status=400 if request.method == "POST" else 200,
    )


@staff_page(Capability.REGISTRY_CHANGE)
def objection_decide(request, pk):
    objection = get_objection_for(request.user, pk)
    notice = objection.notice
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        upheld = form.cleaned_data["outcome"] == "upheld"
        try:
            decide_objection(
                objection, actor=request.user, upheld=upheld, opinion=form.cleaned_data["opinion"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if upheld:
                messages.success(request, _("异议成立：公示已撤下，申请退回重新入户调查。"))
            else:
                messages.success(request, _("异议不成立：已重新公示7天。"))
            return redirect(_notice_url(notice))
    return render_page(
        request,
        "assistance/notices/objection_decide.html",
        {"notice": notice, "objection": objection, "form": form, "back": _notice_url(notice)},
        title=_("处理公示异议"),
        status=400 if request.method == "POST" else 200,
    )


@staff_page(Capability.REGISTRY_VIEW)
def print_board(request, village_id, month):
    """The printed notice of a village and month (DOCX); every download is logged."""
    village = get_visible_or_404(request.user, Region.objects.select_related("parent"), pk=village_id)
    try:
        chosen = Month.parse(month)
    except ValueError:
        raise Http404
    notices = list(print_notices(village, chosen, user=request.user))
    content = board_content(village, chosen, notices)
    with transaction.atomic():
        write_audit(
            actor=request.user,
            action="export",
            obj=village,
            changes={"document": "notice_board", "month": str(chosen), "entries": len(notices)},
            object_repr=content.title,
        )
    response = HttpResponse(notice_docx(content), content_type=DOCX_TYPE)
    filename = f"notice-{village.code}-{chosen}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("<int:pk>/objections/add/", objection_add, name="notice-objection-add"),
    path("objections/<int:pk>/decide/", objection_decide, name="notice-objection-decide"),
    path("print/<int:village_id>/<str:month>/", print_board, name="notice-print"),
]
