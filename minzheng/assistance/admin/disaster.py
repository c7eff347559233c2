"""Back office: 防灾减灾救灾 — disaster events, shelters opened, relief given (cash or goods).

Events are district-wide and seen by the 镇街 they affected; shelters and relief are scoped by
region. Every add form calls its service; records are not edited or deleted here.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from minzheng.accounts.roles import Capability
from minzheng.core.admin_forms import ServiceModelForm
from minzheng.core.admin_mixins import RoleScopedAdminMixin
from minzheng.registry.admin import TownFilter
from minzheng.registry.models import Region

from ..models.disaster import DisasterEvent, ReliefGiven, ShelterOpening
from ..selectors import disaster as selectors
from ..services import disaster as services


class DisasterEventForm(ServiceModelForm):
    class Meta:
        model = DisasterEvent
        fields = ["name", "kind", "warning_level", "started_on", "ended_on", "affected_towns", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "affected_towns" in self.fields:
            self.fields["affected_towns"].queryset = Region.objects.filter(
                level=Region.Level.TOWN, valid_to__isnull=True
            ).order_by("code")

    def call_service(self, data):
        return services.record_event(
            actor=self.actor,
            name=data["name"],
            kind=data["kind"],
            warning_level=data.get("warning_level", ""),
            started_on=data["started_on"],
            ended_on=data.get("ended_on"),
            affected_towns=data["affected_towns"],
            description=data.get("description", ""),
        )


def _action_link(url: str, label) -> str:
    return format_html('<a class="text-primary-600 underline font-semibold" href="{}">{}</a>', url, label)


class _Readonly:
    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in self.model._meta.get_fields() if f.concrete and not f.auto_created]


@admin.register(DisasterEvent)
class DisasterEventAdmin(_Readonly, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    scoped = False  # events_visible_to below applies the scope
    form = DisasterEventForm
    list_display = [
        "name",
        "kind",
        "warning_level",
        "started_on",
        "ended_on",
        "towns",
        "shelter_count",
        "relief_count",
        "end_link",
    ]
    list_filter = ["kind", "warning_level"]
    search_fields = ["name"]
    date_hierarchy = "started_on"

    def get_fields(self, request, obj=None):
        if obj is None:
            return super().get_fields(request, obj)
        return [
            "name",
            "kind",
            "warning_level",
            "started_on",
            "ended_on",
            "towns",
            "description",
            "created_by",
            "end_link",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else []

    def get_queryset(self, request):
        return selectors.events_visible_to(request.user).annotate(
            shelter_count=Count("shelters", distinct=True), relief_count=Count("reliefs", distinct=True)
        )

    def get_object(self, request, object_id, from_field=None):
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            return None
        return selectors.get_event_for(request.user, pk)

    @display(description=_("受影响镇街"))
    def towns(self, obj):
        return "、".join(town.name for town in obj.affected_towns.all())

    @display(description=_("避灾场所"))
    def shelter_count(self, obj):
        return obj.shelter_count

    @display(description=_("救助记录"))
    def relief_count(self, obj):
        return obj.relief_count

    @display(description=_("办理"))
    def end_link(self, obj):
        label = _("修改结束日期") if obj.ended_on else _("登记结束")
        return _action_link(reverse("assistance:disaster-event-end", args=[obj.pk]), label)


class ShelterForm(ServiceModelForm):
    class Meta:
        model = ShelterOpening
        fields = ["event", "place", "region", "opened_on", "closed_on", "people_sheltered"]

    def call_service(self, data):
        return services.open_shelter(
            actor=self.actor,
            event=data["event"],
            place=data["place"],
            region=data["region"],
            opened_on=data["opened_on"],
            closed_on=data.get("closed_on"),
            people_sheltered=data["people_sheltered"],
        )


class _EventChoiceMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "event":
            kwargs["queryset"] = selectors.events_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ShelterOpening)
class ShelterOpeningAdmin(_Readonly, _EventChoiceMixin, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    form = ShelterForm
    autocomplete_fields = ["region"]
    list_display = ["place", "event", "region", "opened_on", "closed_on", "people_sheltered", "close_link"]
    list_filter = ["event", TownFilter]
    search_fields = ["place"]

    def get_queryset(self, request):
        return selectors.shelters_visible_to(request.user)

    @display(description=_("办理"))
    def close_link(self, obj):
        if obj.closed_on:
            return "—"
        return _action_link(reverse("assistance:disaster-shelter-close", args=[obj.pk]), _("关闭场所"))


class ReliefForm(ServiceModelForm):
    class Meta:
        model = ReliefGiven
        fields = ["event", "household", "kind", "given_on", "amount", "item", "quantity", "unit"]
        help_texts = {
            "amount": _("救助金：由待遇发放系统在发放月份的批次中发放"),
            "item": _("救灾物资：填写物资名称、数量和计量单位"),
        }

    def call_service(self, data):
        common = {
            "actor": self.actor,
            "event": data["event"],
            "household": data["household"],
            "given_on": data["given_on"],
        }
        if data["kind"] == ReliefGiven.Kind.CASH:
            if data.get("amount") is None:
                raise forms.ValidationError({"amount": _("请填写救助金额")})
            return services.give_relief_cash(amount=data["amount"], **common)
        return services.give_relief_goods(
            item=data.get("item", ""), quantity=data.get("quantity"), unit=data.get("unit", ""), **common
        )


@admin.register(ReliefGiven)
class ReliefGivenAdmin(_Readonly, _EventChoiceMixin, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    form = ReliefForm
    autocomplete_fields = ["household"]
    list_display = ["event", "household", "region", "kind", "given_on", "amount", "goods"]
    list_filter = ["event", "kind", TownFilter]
    search_fields = ["household__number", "household__head__name"]
    date_hierarchy = "given_on"

    def get_queryset(self, request):
        return selectors.reliefs_visible_to(request.user)

    @display(description=_("物资"))
    def goods(self, obj):
        return (
            f"{obj.item} {obj.quantity.normalize()}{obj.unit}" if obj.kind == ReliefGiven.Kind.GOODS else "—"
        )
