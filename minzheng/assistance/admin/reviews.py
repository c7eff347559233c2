"""Back office: lists of reviews, exit notices and fraud recoveries (scoped, masked, read-only).

A review opens its page (`assistance:review`); an exit notice its page with the DOCX download;
records change only through the services behind those pages.
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
from minzheng.registry.admin import TownFilter

from ..models import ExitNotice, Recovery, Review
from .common import PersonColumns

STATUS_LABELS = {"due": "warning", "done": "success", "cancelled": "danger"}


class _ReadOnly(PersonColumns, RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.BENEFITS_VIEW
    list_display_links = None
    list_per_page = 50
    show_full_result_count = False


@admin.register(Review)
class ReviewAdmin(_ReadOnly):
    list_display = [
        "person_link",
        "masked_id",
        "scheme",
        "town",
        "region",
        "cycle",
        "due_on",
        "status_label",
        "outcome",
    ]
    list_filter = ["status", "cycle", "outcome", "entitlement__scheme", TownFilter]
    ordering = ["status", "due_on", "id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("person", "region", "region__parent", "entitlement__scheme")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, object_id)  # 404 (logged) outside the user's scope
        return redirect("assistance:review", pk=review.pk)

    @display(description=_("救助对象"), ordering="person__name")
    def person_link(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("assistance:review", args=[obj.pk]),
            display_name(obj.person),
        )

    @display(description=_("救助项目"))
    def scheme(self, obj):
        return obj.entitlement.scheme.name

    @display(description=_("状态"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()


@admin.register(ExitNotice)
class ExitNoticeAdmin(_ReadOnly):
    list_display = [
        "number_link",
        "person_name",
        "masked_id",
        "program_name",
        "town",
        "region",
        "decided_on",
        "last_payment_month",
        "phase_out_months",
        "download",
    ]
    list_filter = ["program_name", TownFilter]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "region", "region__parent")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        notice = self.get_object(request, object_id)
        return redirect("assistance:exit-notice", pk=notice.pk)

    @display(description=_("通知书编号"), ordering="number")
    def number_link(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("assistance:exit-notice", args=[obj.pk]),
            obj.number,
        )

    @display(description=_("救助对象"), ordering="person__name")
    def person_name(self, obj):
        return display_name(obj.person)

    @display(description=_("通知书"))
    def download(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">DOCX</a>',
            reverse("assistance:exit-notice-docx", args=[obj.pk]),
        )


@admin.register(Recovery)
class RecoveryAdmin(_ReadOnly):
    list_display = [
        "person_link",
        "masked_id",
        "scheme",
        "town",
        "region",
        "cause",
        "from_month",
        "months",
        "amount",
        "created_at",
    ]
    list_filter = ["cause", "entitlement__scheme", TownFilter]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("person", "region", "region__parent", "entitlement__scheme")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        recovery = self.get_object(request, object_id)
        return redirect("assistance:review-entitlement", pk=recovery.entitlement_id)

    @display(description=_("救助对象"), ordering="person__name")
    def person_link(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("assistance:review-entitlement", args=[obj.entitlement_id]),
            display_name(obj.person),
        )

    @display(description=_("救助项目"))
    def scheme(self, obj):
        return obj.entitlement.scheme.name
