"""Back office: 精准扶贫 — the register of poor households, with their helpers, measures and visits.

Every add form goes through its service; a household's page is read-only with its file
(helpers with masked phones, measures, visits) and the exit / withdraw-exit buttons.
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.admin_forms import ServiceModelForm
from minzheng.core.admin_mixins import RoleScopedAdminMixin
from minzheng.registry.admin import TownFilter

from ..models.poverty import PairedHelper, PoorHousehold, PovertyMeasure, PovertyStatus, PovertyVisit
from ..selectors import poverty as selectors
from ..services import poverty as services

STATUS_LABELS = {PovertyStatus.REGISTERED: "warning", PovertyStatus.EXITED: "success"}


class PoorHouseholdForm(ServiceModelForm):
    persons = forms.IntegerField(
        label=_("建档人口（人）"), required=False, min_value=1, help_text=_("留空则按建档日家庭成员数计")
    )

    class Meta:
        model = PoorHousehold
        fields = ["household", "registered_on", "cause", "persons"]

    def call_service(self, data):
        return services.register_poor_household(
            actor=self.actor,
            household=data["household"],
            registered_on=data["registered_on"],
            cause=data["cause"],
            persons=data.get("persons"),
        )


class _ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, Capability.REGISTRY_VIEW)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HelperInline(_ReadOnlyInline):
    model = PairedHelper
    fields = ["name", "unit", "is_party_member", "phone_display", "valid_from", "valid_to"]
    readonly_fields = fields

    @display(description=_("联系电话"))
    def phone_display(self, obj):
        return obj.masked_phone


class MeasureInline(_ReadOnlyInline):
    model = PovertyMeasure
    fields = ["kind", "description", "taken_on", "funds"]
    readonly_fields = fields


class VisitInline(_ReadOnlyInline):
    model = PovertyVisit
    fields = ["visited_on", "helper", "notes", "income_per_person"]
    readonly_fields = fields


@admin.register(PoorHousehold)
class PoorHouseholdAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    form = PoorHouseholdForm
    autocomplete_fields = ["household"]
    list_display = [
        "household_display",
        "region",
        "registered_on",
        "persons",
        "cause",
        "status_display",
        "exited_on",
        "measure_count",
        "visit_count",
    ]
    list_filter = ["status", "cause", TownFilter]
    search_fields = ["household__number", "household__head__name"]
    date_hierarchy = "registered_on"
    list_per_page = 50

    def get_queryset(self, request):
        return selectors.poor_households_visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        return False  # the file changes through its own forms and the exit page

    def get_inlines(self, request, obj):
        return [HelperInline, MeasureInline, VisitInline] if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["household", "registered_on", "cause", "persons"]
        return [
            "household",
            "region",
            "registered_on",
            "persons",
            "cause",
            "status",
            "exited_on",
            "exit_verification",
            "registered_by",
            "actions_display",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else []

    @display(description=_("户主（户号）"), ordering="household__number")
    def household_display(self, obj):
        return str(obj.household)

    @display(description=_("状态"), label=STATUS_LABELS)
    def status_display(self, obj):
        return obj.status, obj.get_status_display()

    @display(description=_("措施"))
    def measure_count(self, obj):
        return obj.measure_count

    @display(description=_("走访"))
    def visit_count(self, obj):
        return obj.visit_count

    @display(description=_("办理"))
    def actions_display(self, obj):
        if obj.status == PovertyStatus.REGISTERED:
            url, label = reverse("assistance:poverty-exit", args=[obj.pk]), _("办理脱贫")
        else:
            url, label = reverse("assistance:poverty-reopen", args=[obj.pk]), _("撤销脱贫")
        return format_html(
            '<a class="bg-primary-600 text-white rounded-default px-4 py-2 font-semibold" href="{}">{}</a>',
            url,
            label,
        )


class _RecordForm(ServiceModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "poor_household" in self.fields:
            self.fields["poor_household"].queryset = PoorHousehold.objects.filter(
                status=PovertyStatus.REGISTERED
            )


class PairedHelperForm(_RecordForm):
    class Meta:
        model = PairedHelper
        fields = ["poor_household", "name", "unit", "is_party_member", "phone", "valid_from"]

    def call_service(self, data):
        return services.pair_helper(
            data["poor_household"],
            actor=self.actor,
            name=data["name"],
            unit=data["unit"],
            is_party_member=data["is_party_member"],
            phone=data.get("phone", ""),
            valid_from=data["valid_from"],
        )


class PovertyMeasureForm(_RecordForm):
    class Meta:
        model = PovertyMeasure
        fields = ["poor_household", "kind", "description", "taken_on", "funds"]

    def call_service(self, data):
        return services.add_measure(
            data["poor_household"],
            actor=self.actor,
            kind=data["kind"],
            description=data["description"],
            taken_on=data["taken_on"],
            funds=data["funds"],
        )


class PovertyVisitForm(_RecordForm):
    class Meta:
        model = PovertyVisit
        fields = ["poor_household", "visited_on", "helper", "notes", "income_per_person"]

    def call_service(self, data):
        return services.record_visit(
            data["poor_household"],
            actor=self.actor,
            visited_on=data["visited_on"],
            helper=data.get("helper"),
            notes=data["notes"],
            income_per_person=data.get("income_per_person"),
        )


class _FileRecordAdmin(RoleScopedAdminMixin, ModelAdmin):
    """Helpers, measures and visits: added through their service, never edited or deleted."""

    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    autocomplete_fields = ["poor_household"]
    search_fields = ["poor_household__household__number", "poor_household__household__head__name"]
    list_per_page = 50

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] if obj else []

    @display(description=_("贫困户"), ordering="poor_household__household__number")
    def household_display(self, obj):
        return str(obj.poor_household.household)


@admin.register(PairedHelper)
class PairedHelperAdmin(_FileRecordAdmin):
    form = PairedHelperForm
    list_display = [
        "name",
        "unit",
        "is_party_member",
        "phone_display",
        "household_display",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["is_party_member"]

    def get_queryset(self, request):
        return selectors.helpers_visible_to(request.user)

    def get_exclude(self, request, obj=None):
        return ["phone"] if obj else []

    def get_readonly_fields(self, request, obj=None):
        return (
            [*[f for f in super().get_readonly_fields(request, obj) if f != "phone"], "phone_display"]
            if obj
            else []
        )

    @display(description=_("联系电话"))
    def phone_display(self, obj):
        return obj.masked_phone


@admin.register(PovertyMeasure)
class PovertyMeasureAdmin(_FileRecordAdmin):
    form = PovertyMeasureForm
    list_display = ["household_display", "kind", "description", "taken_on", "funds"]
    list_filter = ["kind"]

    def get_queryset(self, request):
        return selectors.measures_visible_to(request.user)


@admin.register(PovertyVisit)
class PovertyVisitAdmin(_FileRecordAdmin):
    form = PovertyVisitForm
    list_display = ["household_display", "visited_on", "helper", "income_per_person"]

    def get_queryset(self, request):
        return selectors.visits_visible_to(request.user)
