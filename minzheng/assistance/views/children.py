"""Pages of the children's programs inside the back-office shell (mounted at /assistance/children/):

- a child's record (儿童档案): full name and ID number for roles with `pii.reveal`, every such
  view audited; others see the masked values;
- a 留守儿童 entry with its care visits, a form to record a visit and one to close the entry;
- the list of left-behind children whose visit is overdue;
- a follow-up task (成年孤儿安置) with the form that completes it.

Each page parses input and calls one selector or service.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.backoffice import render_page, staff_page

from ..models.children import VISIT_INTERVAL_MONTHS, ChildProfile, LeftBehindChild, RiskLevel
from ..selectors import children as selectors
from ..services import children as services

PER_PAGE = 50
DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class CareVisitForm(forms.Form):
    visited_on = forms.DateField(label=_("走访日期"), widget=DATE_WIDGET)
    visitor_name = forms.CharField(label=_("走访人"), max_length=100)
    findings = forms.CharField(label=_("走访情况"), widget=forms.Textarea(attrs={"rows": 3}))
    risk_level = forms.ChoiceField(label=_("评估风险等级"), choices=RiskLevel.choices)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("销册原因"), choices=LeftBehindChild.CloseReason.choices)
    note = forms.CharField(label=_("销册说明"), max_length=200, required=False)
    closed_on = forms.DateField(label=_("销册日期"), widget=DATE_WIDGET, required=False)


class CompleteTaskForm(forms.Form):
    outcome = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 4}))


def _add_errors(form: forms.Form, exc: ValidationError, renames: dict | None = None) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, texts in errors.items():
        field = (renames or {}).get(field, field)
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


@staff_page(Capability.REGISTRY_VIEW)
def child_detail(request, pk):
    profile, full = selectors.child_profile_full_view(request.user, pk)
    return render_page(
        request,
        "assistance/children/child_detail.html",
        {
            "profile": profile,
            "full": full,
            "entitlements": selectors.child_entitlements(profile),
            "grants": profile.education_grants.select_related("entitlement").order_by("-school_year"),
            "can_change": has_capability(request.user, Capability.REGISTRY_CHANGE),
        },
        title=_t("儿童档案：%(name)s") % {"name": profile.person.name if full else profile.masked_name},
    )


@staff_page(Capability.REGISTRY_VIEW)
def left_behind_detail(request, pk):
    record = selectors.get_left_behind_for(request.user, pk)
    can_change = has_capability(request.user, Capability.REGISTRY_CHANGE)
    visit_form = CareVisitForm(initial={"visited_on": timezone.localdate(), "risk_level": record.risk_level})
    close_form = CloseForm()
    status = 200
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "visit":
                visit_form = CareVisitForm(request.POST)
                if visit_form.is_valid():
                    services.record_care_visit(record, actor=request.user, **visit_form.cleaned_data)
                    messages.success(request, _t("已录入走访记录"))
                    return redirect(record.get_absolute_url())
            elif action == "close":
                close_form = CloseForm(request.POST)
                if close_form.is_valid():
                    services.close_left_behind(record, actor=request.user, **close_form.cleaned_data)
                    messages.success(request, _t("已销册"))
                    return redirect(record.get_absolute_url())
        except ValidationError as exc:
            target = visit_form if action == "visit" else close_form
            _add_errors(target, exc, {"close_reason": "reason", "close_note": "note"})
        status = 400
    return render_page(
        request,
        "assistance/children/left_behind_detail.html",
        {
            "record": record,
            "visits": selectors.visits_of(record),
            "visit_form": visit_form,
            "close_form": close_form,
            "can_change": can_change and record.status == LeftBehindChild.Status.ACTIVE,
            "overdue": record.status == LeftBehindChild.Status.ACTIVE
            and record.next_visit_due < timezone.localdate(),
            "intervals": [
                (RiskLevel(level).label, months) for level, months in VISIT_INTERVAL_MONTHS.items()
            ],
        },
        title=_t("留守儿童：%(name)s") % {"name": record.masked_name},
        status=status,
    )


@staff_page(Capability.REGISTRY_VIEW)
def overdue_list(request):
    page = Paginator(selectors.overdue_visits(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "assistance/children/overdue.html",
        {"page": page, "today": timezone.localdate()},
        title=_t("留守儿童走访逾期"),
    )


@staff_page(Capability.REGISTRY_VIEW)
def task_detail(request, pk):
    task = selectors.get_follow_up_for(request.user, pk)
    can_change = has_capability(request.user, Capability.REGISTRY_CHANGE) and task.status == task.Status.OPEN
    form = CompleteTaskForm(request.POST or None)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.complete_follow_up(task, actor=request.user, outcome=form.cleaned_data["outcome"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _t("事项已办结"))
                return redirect(task.get_absolute_url())
    profile = ChildProfile.objects.filter(person_id=task.person_id).first()
    return render_page(
        request,
        "assistance/children/task_detail.html",
        {"task": task, "form": form, "can_change": can_change, "profile": profile},
        title=task.title,
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("<int:pk>/", child_detail, name="child-detail"),
    path("left-behind/overdue/", overdue_list, name="left-behind-overdue"),
    path("left-behind/<int:pk>/", left_behind_detail, name="left-behind-detail"),
    path("tasks/<int:pk>/", task_detail, name="children-task"),
]
