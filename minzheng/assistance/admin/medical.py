"""Back office: 医疗救助 claims and 临时救助 grants (lists, scoped to the user's region).

Records change only through the services: 新增 opens the claim entry page (which shows the cap
message) or the temporary-aid page; a claim opens on its own page. The diagnosis is health
data: the list shows only whether one was recorded; the claim's page reveals it to roles with
`pii.reveal`, and every reveal is audited.
"""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from minzheng.accounts.roles import Capability
from minzheng.core.admin_mixins import RoleScopedAdminMixin
from minzheng.core.masking import display_name
from minzheng.core.reveal import REVEALABLE
from minzheng.registry.admin import TownFilter

from ..models import MedicalClaim, TemporaryAid
from .common import PersonColumns

REVEALABLE.setdefault("assistance.medicalclaim", {})["diagnosis"] = "诊断类别"
STATUS_LABELS = {"approved": "success", "refused": "danger"}
HIDDEN = _("已填写（已隐藏）")


class _ServiceOnlyAdmin(PersonColumns, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.BENEFITS_VIEW
    change_capability = Capability.BENEFITS_MANAGE
    list_display_links = None
    list_per_page = 50
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MedicalClaim)
class MedicalClaimAdmin(_ServiceOnlyAdmin):
    list_display = [
        "person_link",
        "masked_id",
        "town",
        "visit_date",
        "hospital",
        "visit_type",
        "diagnosis_masked",
        "out_of_pocket",
        "reimbursed",
        "cap_label",
        "status_label",
    ]
    list_filter = ["status", "visit_type", "capped", TownFilter, "visit_date"]
    date_hierarchy = "visit_date"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "region", "region__parent")

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("assistance:medical-claim-new")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_object(request, object_id)  # 404 (logged) outside the user's scope
        return redirect("assistance:medical-claim", pk=claim.pk)

    @display(description=_("就诊人"), ordering="person__name")
    def person_link(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("assistance:medical-claim", args=[obj.pk]),
            display_name(obj.person),
        )

    @display(description=_("诊断类别"))
    def diagnosis_masked(self, obj):
        return format_html('<span class="mz-masked">{}</span>', HIDDEN) if obj.diagnosis else "—"

    @display(description=_("达到年度封顶"), boolean=True)
    def cap_label(self, obj):
        return obj.capped

    @display(description=_("状态"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()


@admin.register(TemporaryAid)
class TemporaryAidAdmin(_ServiceOnlyAdmin):
    list_display = [
        "person_name",
        "masked_id",
        "town",
        "emergency_type",
        "occurred_on",
        "granted_on",
        "amount",
        "approved_by",
    ]
    list_filter = ["emergency_type", TownFilter, "granted_on"]
    date_hierarchy = "granted_on"
    readonly_fields = [
        "person",
        "household",
        "region",
        "emergency_type",
        "occurred_on",
        "granted_on",
        "amount",
    ]
    fields = [*readonly_fields, "reason", "approved_by", "entitlement"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("person", "region", "region__parent", "approved_by")
        )

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("assistance:temporary-aid-new")

    @display(description=_("救助对象"), ordering="person__name")
    def person_name(self, obj):
        return display_name(obj.person)
