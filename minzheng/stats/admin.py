"""Back-office screens of the statistics layer: the plan's targets (through the service), and the
closed periods with their snapshots (read-only: snapshots are never edited)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import visible_to
from minzheng.core.admin import ReadOnlyAdmin
from minzheng.core.admin_forms import ServiceModelForm

from . import services
from .models import ClosedPeriod, IndicatorSnapshot, Target
from .registry import IndicatorError, all_indicators, get_indicator
from .reporting import format_value
from .selectors import target_progress


def _indicator_choices():
    return [(item.id, f"{item.name}（{item.id}，{item.unit}）") for item in all_indicators()]


class TargetForm(ServiceModelForm):
    indicator_id = forms.ChoiceField(label=_("指标"), choices=_indicator_choices)

    class Meta:
        model = Target
        fields = ["indicator_id", "year", "value", "note"]

    def call_service(self, data):
        return services.set_target(
            actor=self.actor,
            indicator_id=data["indicator_id"],
            year=data["year"],
            value=data["value"],
            note=data.get("note", ""),
        )


@admin.register(Target)
class TargetAdmin(ModelAdmin):
    form = TargetForm
    list_display = ["year", "indicator_name", "target_value", "progress", "note"]
    list_filter = ["year"]
    search_fields = ["indicator_id", "note"]

    def has_module_permission(self, request):
        return has_capability(request.user, Capability.REGISTRY_VIEW)

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, Capability.REGISTRY_VIEW)

    def has_add_permission(self, request):
        return services.can_manage_stats(request.user)

    def has_change_permission(self, request, obj=None):
        return services.can_manage_stats(request.user)

    def has_delete_permission(self, request, obj=None):
        return services.can_manage_stats(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        """The form's service already saved the target."""

    def delete_model(self, request, obj):
        services.delete_target(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for target in queryset:
            services.delete_target(target, actor=request.user)

    @display(description=_("指标"))
    def indicator_name(self, obj):
        try:
            return f"{get_indicator(obj.indicator_id).name}（{obj.indicator_id}）"
        except IndicatorError:
            return f"{obj.indicator_id}（未登记）"

    @display(description=_("目标值"))
    def target_value(self, obj):
        try:
            unit = get_indicator(obj.indicator_id).unit
        except IndicatorError:
            unit = ""
        return f"{format_value(obj.value, unit)}{unit}"

    @display(description=_("进度"))
    def progress(self, obj):
        result = target_progress(obj)
        if result.percent is not None:
            return f"{result.percent}% · {result.status}"
        return result.status


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(ReadOnlyAdmin):
    capability = Capability.REGISTRY_VIEW
    list_display = [
        "period",
        "kind",
        "start",
        "end",
        "indicator_count",
        "region_count",
        "closed_by",
        "closed_at",
    ]
    list_filter = ["kind"]


@admin.register(IndicatorSnapshot)
class IndicatorSnapshotAdmin(ReadOnlyAdmin):
    capability = Capability.REGISTRY_VIEW
    list_display = ["period", "region", "indicator_id", "value", "numerator", "denominator", "computed_at"]
    list_filter = ["period"]
    search_fields = ["indicator_id"]
    list_select_related = ["region"]

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request))
