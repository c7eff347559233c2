"""Pages of 医疗救助 and 临时救助 inside the back-office shell (mounted at /assistance/medical/):

- 医疗救助报销登记: one visit's claim; after saving, the page shows what was reimbursed and,
  when the annual cap cut the amount, says so (the claim's `cap_note`);
- 临时救助审批: a one-off grant after an emergency, up to the standard's `max_amount`;
- a claim's page (the diagnosis masked, revealable with `pii.reveal`, audited).

Bulk entry is the `assistance_medical_claims` data set on the import page. Each page parses
input and calls one service or selector.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.roles import Capability, has_capability
from minzheng.benefits.calculations import describe
from minzheng.core.backoffice import render_page, staff_page
from minzheng.core.masking import display_name
from minzheng.registry.models import Person
from minzheng.registry.selectors import persons_visible_to

from ..models import EmergencyType, VisitType
from ..selectors import medical as selectors
from ..services import medical as services

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class PersonByIdNumber(forms.CharField):
    """An ID number of a registered person the user may see (else the field's error)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=18, min_length=15, **kwargs)


class ClaimForm(forms.Form):
    id_number = PersonByIdNumber(label=_("就诊人身份证号码"))
    visit_date = forms.DateField(label=_("就诊日期"), widget=DATE_WIDGET)
    hospital = forms.CharField(label=_("医院"), max_length=100)
    visit_type = forms.ChoiceField(label=_("就诊类别"), choices=VisitType.choices)
    diagnosis = forms.CharField(
        label=_("诊断类别"), max_length=100, required=False, help_text=_("健康信息，列表中不显示")
    )
    total_cost = forms.DecimalField(label=_("医疗总费用（元）"), **MONEY)
    insurance_paid = forms.DecimalField(label=_("医保支付（元）"), **MONEY)
    other_paid = forms.DecimalField(label=_("其他支付（元）"), required=False, **MONEY)


class TemporaryAidForm(forms.Form):
    id_number = PersonByIdNumber(label=_("救助对象身份证号码"))
    emergency_type = forms.ChoiceField(label=_("急难类型"), choices=EmergencyType.choices)
    occurred_on = forms.DateField(label=_("发生日期"), widget=DATE_WIDGET)
    amount = forms.DecimalField(label=_("救助金额（元）"), **MONEY)
    reason = forms.CharField(label=_("救助事由"), widget=forms.Textarea(attrs={"rows": 3}))


def _person(request, form: forms.Form) -> Person | None:
    number = (form.cleaned_data.get("id_number") or "").strip().upper()
    person = persons_visible_to(request.user).filter(id_number=number).select_related("region").first()
    if person is None:
        form.add_error("id_number", _t("未找到该号码的人员（或不在您的管辖范围内）"))
    return person


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, texts in errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


@staff_page(Capability.BENEFITS_MANAGE)
def claim_new(request):
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = _person(request, form)
        if person is not None:
            data = form.cleaned_data
            try:
                claim = services.approve_claim(
                    actor=request.user,
                    person=person,
                    visit_date=data["visit_date"],
                    hospital=data["hospital"],
                    visit_type=data["visit_type"],
                    total_cost=data["total_cost"],
                    insurance_paid=data["insurance_paid"],
                    other_paid=data["other_paid"] or 0,
                    diagnosis=data["diagnosis"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                text = _t("已核准：%(name)s 本次救助 %(amount)s 元") % {
                    "name": display_name(person),
                    "amount": claim.reimbursed,
                }
                messages.success(request, text)
                if claim.capped:
                    messages.warning(request, claim.cap_note)
                return redirect("assistance:medical-claim", pk=claim.pk)
    return render_page(
        request,
        "assistance/medical/claim_form.html",
        {"form": form},
        title=_t("医疗救助报销登记"),
        status=400 if request.method == "POST" else 200,
    )


@staff_page(Capability.BENEFITS_VIEW)
def claim_detail(request, pk):
    claim = selectors.get_claim_for(request.user, pk)
    entitlement = claim.entitlement
    person_name = display_name(claim.person, user=request.user)  # a child's full view is audited
    return render_page(
        request,
        "assistance/medical/claim_detail.html",
        {
            "claim": claim,
            "person_name": person_name,
            "trace_text": describe(entitlement.trace) if entitlement else "",
            "can_reveal": has_capability(request.user, Capability.PII_REVEAL),
            "year_total": selectors.reimbursed_in_year(claim.person, claim.visit_date.year),
        },
        title=_t("医疗救助报销：%(name)s %(day)s") % {"name": person_name, "day": claim.visit_date},
    )


@staff_page(Capability.BENEFITS_MANAGE)
def temporary_aid_new(request):
    form = TemporaryAidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = _person(request, form)
        if person is not None:
            data = form.cleaned_data
            try:
                aid = services.grant_temporary_aid(
                    actor=request.user,
                    person=person,
                    emergency_type=data["emergency_type"],
                    amount=data["amount"],
                    reason=data["reason"],
                    occurred_on=data["occurred_on"],
                    granted_on=timezone.localdate(),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _t("已批准临时救助：%(name)s %(amount)s 元")
                    % {"name": display_name(person), "amount": aid.amount},
                )
                return redirect("admin:assistance_temporaryaid_changelist")
    return render_page(
        request,
        "assistance/medical/temporary_aid_form.html",
        {"form": form},
        title=_t("临时救助审批"),
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("claims/new/", claim_new, name="medical-claim-new"),
    path("claims/<int:pk>/", claim_detail, name="medical-claim"),
    path("temporary-aid/new/", temporary_aid_new, name="temporary-aid-new"),
]
