"""Back office: children's profiles, education grants, the 留守儿童 register and follow-up tasks.

Lists show children masked (张**, 440113********123X). A child's full record opens on its own
page (views/children.py), where roles with `pii.reveal` see the full values and the view is
audited. Left-behind entries and follow-up tasks open on their own pages too (visits, closing,
completing a task); every write goes through `services.children`.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from minzheng.accounts.roles import Capability
from minzheng.accounts.scoping import visible_to
from minzheng.core.admin_forms import ServiceModelForm
from minzheng.core.admin_mixins import RoleScopedAdminMixin
from minzheng.core.months import Month
from minzheng.registry.admin import TownFilter
from minzheng.registry.idnumbers import normalise_id_number
from minzheng.registry.models import Person

from ..models.children import ChildProfile, EducationGrant, FollowUpTask, LeftBehindChild, RiskLevel
from ..services import children as services
from .common import search_by_person, town_of

RISK_LABELS = {RiskLevel.HIGH: "danger", RiskLevel.MEDIUM: "warning", RiskLevel.LOW: "success"}


def _person_by_id_number(actor, raw: str) -> Person:
    try:
        number = normalise_id_number(raw)
    except ValidationError as exc:
        raise ValidationError(exc.messages)
    person = visible_to(actor, Person.objects.all()).filter(id_number=number).first()
    if person is None:
        raise ValidationError(_t("身份证号码对应的人员未在您管辖范围内登记"))
    return person


class _MaskedChildColumns:
    @display(description=_("儿童"))
    def child(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>', obj.get_absolute_url(), obj.masked_name
        )

    @display(description=_("身份证号码"))
    def id_masked(self, obj):
        return format_html('<span class="mz-masked">{}</span>', obj.masked_id_number)

    @display(description=_("镇街"))
    def town(self, obj):
        return town_of(obj)


# --- profiles -------------------------------------------------------------------------------


class ChildProfileAddForm(ServiceModelForm):
    id_number = forms.CharField(label=_("儿童身份证号码"), max_length=18)

    class Meta:
        model = ChildProfile
        fields = ["category", "guardian_name", "guardian_relation", "school", "notes"]

    def clean_id_number(self):
        return _person_by_id_number(self.actor, self.cleaned_data["id_number"])

    def validate_unique(self):
        return None

    def call_service(self, data):
        return services.register_child_profile(
            actor=self.actor,
            person=data["id_number"],
            category=data["category"],
            guardian_name=data.get("guardian_name", ""),
            guardian_relation=data.get("guardian_relation", ""),
            school=data.get("school", ""),
            notes=data.get("notes", ""),
        )


class ChildProfileChangeForm(ServiceModelForm):
    class Meta:
        model = ChildProfile
        fields = ["category", "guardian_name", "guardian_relation", "school", "notes"]

    def call_service(self, data):
        changes = {name: data[name] for name in self.changed_data if name in self.Meta.fields}
        if not changes:
            return self.instance
        return services.update_child_profile(self.instance, actor=self.actor, **changes)


@admin.register(ChildProfile)
class ChildProfileAdmin(_MaskedChildColumns, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    list_display = ["child", "id_masked", "category", "town", "region", "school"]
    list_filter = ["category", TownFilter]
    search_fields = ["school"]
    search_help_text = _("按姓名、完整身份证号码或后几位查找")
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = ["child_detail", "region"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "region", "region__parent")

    def get_search_results(self, request, queryset, search_term):
        return search_by_person(request, queryset, search_term)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ChildProfileChangeForm if obj else ChildProfileAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["id_number", "category", "guardian_name", "guardian_relation", "school", "notes"]
        return ["child_detail", "region", "category", "guardian_name", "guardian_relation", "school", "notes"]

    @display(description=_("儿童"))
    def child_detail(self, obj):
        return format_html(
            '{} <span class="mz-masked">{}</span> <a class="text-primary-600 underline ml-2" href="{}">{}</a>',
            obj.masked_name,
            obj.masked_id_number,
            obj.get_absolute_url(),
            gettext("查看儿童档案"),
        )


# --- education grants -----------------------------------------------------------------------


class EducationGrantAddForm(ServiceModelForm):
    id_number = forms.CharField(label=_("儿童身份证号码"), max_length=18, help_text=_("须已建立儿童档案"))
    month = forms.CharField(
        label=_("发放月份"), max_length=7, required=False, help_text=_("YYYY-MM，默认本月")
    )

    class Meta:
        model = EducationGrant
        fields = ["school_year", "amount", "reason"]

    def clean_id_number(self):
        person = _person_by_id_number(self.actor, self.cleaned_data["id_number"])
        profile = ChildProfile.objects.filter(person=person).first()
        if profile is None:
            raise ValidationError(_t("该儿童尚未建立儿童档案"))
        return profile

    def clean_month(self):
        raw = (self.cleaned_data.get("month") or "").strip()
        if not raw:
            return None
        try:
            return Month.parse(raw)
        except ValueError as exc:
            raise ValidationError(str(exc))

    def validate_unique(self):
        return None

    def call_service(self, data):
        return services.grant_education_grant(
            actor=self.actor,
            child=data["id_number"],
            amount=data["amount"],
            school_year=data["school_year"],
            reason=data["reason"],
            month=data.get("month"),
        )


@admin.register(EducationGrant)
class EducationGrantAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.BENEFITS_VIEW
    change_capability = Capability.BENEFITS_MANAGE
    form = EducationGrantAddForm
    list_display = ["child_masked", "town", "region", "school_year_label", "amount", "paid_month", "reason"]
    list_filter = ["school_year", TownFilter]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("child__person", "region", "region__parent", "entitlement")
        )

    def get_search_results(self, request, queryset, search_term):
        return search_by_person(request, queryset, search_term, field="child__person")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["id_number", "school_year", "amount", "reason", "month"]
        return ["child_masked", "region", "school_year", "amount", "reason", "paid_month", "granted_by"]

    def get_readonly_fields(self, request, obj=None):
        return ["child_masked", "region", "paid_month", "granted_by"] if obj else []

    @display(description=_("儿童"))
    def child_masked(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            obj.child.get_absolute_url(),
            obj.child.masked_name,
        )

    @display(description=_("镇街"))
    def town(self, obj):
        return town_of(obj)

    @display(description=_("学年"), ordering="school_year")
    def school_year_label(self, obj):
        return obj.school_year_label

    @display(description=_("发放月份"))
    def paid_month(self, obj):
        return f"{obj.entitlement.start_month:%Y-%m}"


# --- the 留守儿童 register ---------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = _("走访")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", _("走访逾期"))]

    def queryset(self, request, queryset):
        from django.utils import timezone

        if self.value() == "1":
            return queryset.filter(
                status=LeftBehindChild.Status.ACTIVE, next_visit_due__lt=timezone.localdate()
            )
        return queryset


class LeftBehindAddForm(ServiceModelForm):
    id_number = forms.CharField(label=_("儿童身份证号码"), max_length=18)

    class Meta:
        model = LeftBehindChild
        fields = [
            "parents_away",
            "parents_whereabouts",
            "guardian_name",
            "guardian_relation",
            "guardian_phone",
            "risk_level",
            "registered_on",
        ]

    def clean_id_number(self):
        return _person_by_id_number(self.actor, self.cleaned_data["id_number"])

    def validate_unique(self):
        return None

    def call_service(self, data):
        return services.register_left_behind(
            actor=self.actor,
            person=data["id_number"],
            parents_away=data["parents_away"],
            parents_whereabouts=data["parents_whereabouts"],
            guardian_name=data["guardian_name"],
            guardian_relation=data["guardian_relation"],
            guardian_phone=data.get("guardian_phone", ""),
            risk_level=data["risk_level"],
            registered_on=data.get("registered_on"),
        )


@admin.register(LeftBehindChild)
class LeftBehindChildAdmin(_MaskedChildColumns, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    form = LeftBehindAddForm
    list_display = [
        "child",
        "id_masked",
        "town",
        "region",
        "risk",
        "status",
        "last_visit_on",
        "next_visit_due",
    ]
    list_filter = ["status", "risk_level", OverdueFilter, TownFilter]
    search_fields = ["guardian_name"]
    search_help_text = _("按儿童姓名、完整身份证号码或后几位查找")
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "region", "region__parent")

    def get_search_results(self, request, queryset, search_term):
        return search_by_person(request, queryset, search_term)

    def get_fields(self, request, obj=None):
        return ["id_number", *LeftBehindAddForm.Meta.fields]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self.get_object(request, object_id)
        return redirect(record.get_absolute_url())

    @display(description=_("风险等级"), label=RISK_LABELS)
    def risk(self, obj):
        return obj.risk_level, obj.get_risk_level_display()


# --- follow-up tasks ------------------------------------------------------------------------


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = ""  # completed on the task's own page
    list_display = ["title_link", "kind", "region", "due_on", "status_label", "done_at"]
    list_filter = ["status", "kind"]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        task = self.get_object(request, object_id)
        return redirect(task.get_absolute_url())

    @display(description=_("标题"))
    def title_link(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>', obj.get_absolute_url(), obj.title
        )

    @display(description=_("状态"), label={"open": "warning", "done": "success"})
    def status_label(self, obj):
        return obj.status, obj.get_status_display()
