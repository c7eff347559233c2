"""Back office: 慈善 — campaigns with their totals, donations received (scoped by the receiving
镇街/村居), charity titles. Every add form calls its service; nothing is edited or deleted."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from minzheng.accounts.roles import Capability
from minzheng.core.admin_forms import ServiceModelForm
from minzheng.core.admin_mixins import RoleScopedAdminMixin
from minzheng.registry import selectors as registry_selectors
from minzheng.registry.models import Region

from ..models.charity import CharityCampaign, CharityTitle, Donation
from ..selectors import charity as selectors
from ..services import charity as services


class RegionTownFilter(admin.SimpleListFilter):
    """镇街 filter for records whose region may be the 镇街 itself or one of its 村居."""

    title = _("镇街")
    parameter_name = "town"

    def lookups(self, request, model_admin):
        towns = registry_selectors.regions_visible_to(request.user).filter(
            level=Region.Level.TOWN, valid_to__isnull=True
        )
        return [(town.pk, town.name) for town in towns]

    def queryset(self, request, queryset):
        town = Region.objects.filter(pk=self.value()).first() if self.value() else None
        return queryset.filter(region__path__startswith=town.path) if town else queryset


class _Readonly:
    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] if obj else []


class CampaignForm(ServiceModelForm):
    class Meta:
        model = CharityCampaign
        fields = ["name", "kind", "region", "starts_on", "ends_on", "target", "description"]

    def call_service(self, data):
        return services.create_campaign(actor=self.actor, **data)


@admin.register(CharityCampaign)
class CharityCampaignAdmin(_Readonly, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    scoped = False  # campaigns are public activities; the totals count only visible donations
    form = CampaignForm
    autocomplete_fields = ["region"]
    list_display = [
        "name",
        "kind",
        "region",
        "starts_on",
        "ends_on",
        "target",
        "donation_count",
        "donation_total",
    ]
    list_filter = ["kind"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return selectors.campaigns_with_totals(request.user)

    @display(description=_("捐赠笔数"))
    def donation_count(self, obj):
        return obj.donation_count

    @display(description=_("已收捐款（元）"))
    def donation_total(self, obj):
        return obj.donation_total or 0


class DonationForm(ServiceModelForm):
    class Meta:
        model = Donation
        fields = [
            "campaign",
            "donor_type",
            "donor_name",
            "anonymous",
            "amount",
            "received_on",
            "receipt_number",
            "region",
        ]

    def call_service(self, data):
        return services.record_donation(actor=self.actor, **data)


@admin.register(Donation)
class DonationAdmin(_Readonly, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    form = DonationForm
    autocomplete_fields = ["campaign", "region"]
    list_display = ["receipt_number", "donor", "donor_type", "amount", "received_on", "region", "campaign"]
    list_filter = ["campaign", "donor_type", RegionTownFilter]
    search_fields = ["receipt_number", "donor_name"]
    date_hierarchy = "received_on"
    list_per_page = 100

    def get_queryset(self, request):
        return selectors.donations_visible_to(request.user)

    @display(description=_("捐赠人"), ordering="donor_name")
    def donor(self, obj):
        return obj.display_donor


class TitleForm(ServiceModelForm):
    class Meta:
        model = CharityTitle
        fields = ["kind", "title", "awarded_to", "region", "year", "awarded_by"]

    def call_service(self, data):
        return services.award_title(actor=self.actor, **data)


@admin.register(CharityTitle)
class CharityTitleAdmin(_Readonly, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    form = TitleForm
    autocomplete_fields = ["region"]
    list_display = ["year", "kind", "title", "awarded_to", "region", "awarded_by"]
    list_filter = ["year", "kind", RegionTownFilter]
    search_fields = ["title", "awarded_to"]

    def get_queryset(self, request):
        return selectors.titles_visible_to(request.user)
