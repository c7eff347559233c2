"""Back-office pages of review and exit (inside the admin shell, under /assistance/reviews/).

- reviews due in the user's scope, overdue first (`assistance:reviews`);
- one review with its form (`assistance:review`): outcome, findings, new income, phase-out;
- an assistance entitlement's review page (`assistance:review-entitlement`): history of reviews,
  exit notices and recoveries, and the district's actions: exit (with phase-out), fraud recovery,
  suspend, resume;
- the written exit notice as DOCX (`assistance:exit-notice-docx`).

Each POST parses a form and calls one service; the services check role, scope and state.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.accounts.roles import Capability, has_capability
from minzheng.benefits.forms import MonthField
from minzheng.core.backoffice import render_page, staff_page
from minzheng.core.masking import display_name

from ..models import ReviewOutcome, ReviewStatus
from ..programs import Program
from ..selectors import reviews as selectors
from ..services import reviews as services
from ..services.reviews_notice import build_exit_notice_docx, notice_paragraphs

PER_PAGE = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("复核结论"), choices=ReviewOutcome.choices)
    findings = forms.CharField(label=gettext_lazy("复核情况"), widget=forms.Textarea(attrs={"rows": 4}))
    assessed_income = forms.DecimalField(
        label=gettext_lazy("复核核定家庭月收入（元）"), required=False, max_digits=12, decimal_places=2
    )
    effective_month = MonthField(label=gettext_lazy("结论生效月份"), required=False)
    phase_out_months = forms.IntegerField(
        label=gettext_lazy("渐退期（月）"),
        required=False,
        help_text=gettext_lazy("家庭成员就业的，终止时可给予最长6个月渐退期"),
    )


class ExitForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("终止原因"), widget=forms.Textarea(attrs={"rows": 3}))
    last_month = MonthField(label=gettext_lazy("正常发放截止月份"))
    phase_out_months = forms.IntegerField(label=gettext_lazy("渐退期（月）"), required=False, initial=0)


class FraudForm(forms.Form):
    from_month = MonthField(label=gettext_lazy("追回起始月份"))
    reason = forms.CharField(label=gettext_lazy("情况说明"), widget=forms.Textarea(attrs={"rows": 3}))


class StatusForm(forms.Form):
    from_month = MonthField(label=gettext_lazy("起始月份"))
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=90)


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- reviews due ------------------------------------------------------------------------------


@staff_page(Capability.BENEFITS_VIEW)
def review_list(request):
    scheme = request.GET.get("scheme", "")
    overdue_only = request.GET.get("overdue") == "1"
    reviews = selectors.due_reviews(request.user, scheme=scheme, overdue_only=overdue_only)
    page = Paginator(reviews, PER_PAGE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "assistance/reviews/review_list.html",
        {
            "page": page,
            "scheme": scheme,
            "overdue_only": overdue_only,
            "schemes": [(code, Program(code).label) for code in services.REVIEWED_SCHEMES],
        },
        title=_("定期复核：待办"),
    )


@staff_page(Capability.BENEFITS_VIEW)
def review_detail(request, pk):
    review = selectors.get_review_for(request.user, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not has_capability(request.user, Capability.REGISTRY_CHANGE):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.complete_review(
                    review,
                    actor=request.user,
                    outcome=data["outcome"],
                    findings=data["findings"],
                    assessed_income=data["assessed_income"],
                    phase_out_months=data["phase_out_months"] or 0,
                    effective_month=data["effective_month"],
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("您没有办理该复核的权限"))
            else:
                messages.success(
                    request,
                    _("已记录复核结论：%(outcome)s") % {"outcome": ReviewOutcome(data["outcome"]).label},
                )
                return redirect("assistance:review-entitlement", pk=review.entitlement_id)
    return render_page(
        request,
        "assistance/reviews/review_form.html",
        {
            "review": review,
            "entitlement": review.entitlement,
            "form": form,
            "can_record": review.status == ReviewStatus.DUE
            and has_capability(request.user, Capability.REGISTRY_CHANGE),
            "overdue": review.status == ReviewStatus.DUE and review.due_on < timezone.localdate(),
            **selectors.entitlement_history(review.entitlement),
        },
        title=_("定期复核：%(name)s") % {"name": display_name(review.person, user=request.user)},
        status=400 if request.method == "POST" else 200,
    )


# --- an entitlement: history and the district's actions ---------------------------------------


def _entitlement_page(request, entitlement, *, forms_=None, status=200):
    forms_ = forms_ or {}
    return render_page(
        request,
        "assistance/reviews/entitlement.html",
        {
            "entitlement": entitlement,
            "can_decide": has_capability(request.user, Capability.BENEFITS_MANAGE)
            and entitlement.status != entitlement.Status.ENDED,
            "exit_form": forms_.get("exit") or ExitForm(),
            "fraud_form": forms_.get("fraud") or FraudForm(),
            "status_form": forms_.get("status") or StatusForm(),
            **selectors.entitlement_history(entitlement),
        },
        title=_("救助对象复核与退出：%(scheme)s · %(name)s")
        % {"scheme": entitlement.scheme.name, "name": entitlement.person.name},
        status=status,
    )


@staff_page(Capability.BENEFITS_VIEW)
def entitlement_page(request, pk):
    return _entitlement_page(request, selectors.get_assistance_entitlement_for(request.user, pk))


def _act(request, pk, key, form_class, call, success):
    """Run one district action on an entitlement: parse `form_class`, call `call(entitlement, data)`."""
    entitlement = selectors.get_assistance_entitlement_for(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            result = call(entitlement, form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有办理该事项的权限"))
        else:
            messages.success(request, success(result))
            return redirect("assistance:review-entitlement", pk=entitlement.pk)
    return _entitlement_page(request, entitlement, forms_={key: form}, status=400)


@require_POST
@staff_page(Capability.BENEFITS_MANAGE)
def exit_action(request, pk):
    return _act(
        request,
        pk,
        "exit",
        ExitForm,
        lambda e, d: services.exit_recipient(
            e,
            actor=request.user,
            reason=d["reason"],
            last_month=d["last_month"],
            phase_out_months=d["phase_out_months"] or 0,
        ),
        lambda notice: _("已终止救助，通知书 %(number)s") % {"number": notice.number},
    )


@require_POST
@staff_page(Capability.BENEFITS_MANAGE)
def fraud_action(request, pk):
    return _act(
        request,
        pk,
        "fraud",
        FraudForm,
        lambda e, d: services.recover_fraud(
            e, actor=request.user, from_month=d["from_month"], reason=d["reason"]
        ),
        lambda recovery: (
            _("已登记追回 %(amount)s 元，将在下一发放批次生成追回明细") % {"amount": recovery.amount}
        ),
    )


@require_POST
@staff_page(Capability.BENEFITS_MANAGE)
def suspend_action(request, pk):
    return _act(
        request,
        pk,
        "status",
        StatusForm,
        lambda e, d: services.suspend_recipient(
            e, actor=request.user, from_month=d["from_month"], reason=d["reason"]
        ),
        lambda e: _("已暂停发放"),
    )


@require_POST
@staff_page(Capability.BENEFITS_MANAGE)
def resume_action(request, pk):
    return _act(
        request,
        pk,
        "status",
        StatusForm,
        lambda e, d: services.resume_recipient(
            e, actor=request.user, from_month=d["from_month"], reason=d["reason"]
        ),
        lambda e: _("已恢复发放"),
    )


@staff_page(Capability.BENEFITS_VIEW)
def exit_notice_docx(request, pk):
    notice = selectors.get_exit_notice_for(request.user, pk)
    response = HttpResponse(build_exit_notice_docx(notice), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename=exit-notice-{notice.pk}.docx"
    return response


@staff_page(Capability.BENEFITS_VIEW)
def exit_notice_detail(request, pk):
    notice = selectors.get_exit_notice_for(request.user, pk)
    return render_page(
        request,
        "assistance/reviews/exit_notice.html",
        {"notice": notice, "paragraphs": notice_paragraphs(notice)},
        title=_("终止救助通知书 %(number)s") % {"number": notice.number},
    )


urlpatterns = [
    path("", review_list, name="reviews"),
    path("<int:pk>/", review_detail, name="review"),
    path("entitlements/<int:pk>/", entitlement_page, name="review-entitlement"),
    path("entitlements/<int:pk>/exit/", exit_action, name="review-exit"),
    path("entitlements/<int:pk>/fraud/", fraud_action, name="review-fraud"),
    path("entitlements/<int:pk>/suspend/", suspend_action, name="review-suspend"),
    path("entitlements/<int:pk>/resume/", resume_action, name="review-resume"),
    path("exit-notices/<int:pk>/", exit_notice_detail, name="exit-notice"),
    path("exit-notices/<int:pk>/docx/", exit_notice_docx, name="exit-notice-docx"),
]
