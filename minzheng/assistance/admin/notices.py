"""Back office: notices (公示) in the user's scope, each with its objections and the actions on them
(record an objection, decide one, print the board notice). Read-only: writes go through the
pages in views/notices.py, which call the services."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.admin_mixins import RoleScopedAdminMixin
from minzheng.registry.admin import TownFilter

from ..models import ApplicationStatus, Notice, NoticeObjection
from .common import town_of

NOTICE_STATUS_LABELS = {"open": "success", "objected": "warning", "closed": "info"}
BUTTON = "bg-primary-600 text-white rounded-default px-4 py-2 font-semibold mr-2"


@admin.register(Notice)
class NoticeAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    list_display = [
        "application_number",
        "village_name",
        "town",
        "program_name",
        "head_name",
        "members",
        "monthly_amount",
        "period",
        "status_label",
        "objections_pending",
    ]
    list_filter = ["status", "program", TownFilter, "month"]
    search_fields = ["application__number", "village_name"]
    date_hierarchy = "published_on"
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "application_link",
        "program_name",
        "village_name",
        "head_name",
        "members",
        "monthly_amount",
        "published_on",
        "ends_on",
        "status",
        "closed_at",
        "close_reason",
        "opened_by",
        "objection_list",
        "actions_bar",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("application", "region__parent", "opened_by")
            .prefetch_related("objections")
        )

    def has_add_permission(self, request):
        return False  # a notice opens when the town review approves the application

    def has_change_permission(self, request, obj=None):
        return False

    @display(description=_("申请编号"), ordering="application__number")
    def application_number(self, obj):
        return obj.application.number

    @display(description=_("救助申请"))
    def application_link(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("admin:assistance_application_change", args=[obj.application_id]),
            obj.application.number,
        )

    @display(description=_("镇街"))
    def town(self, obj):
        return town_of(obj)

    @display(description=_("公示期"), ordering="published_on")
    def period(self, obj):
        return f"{obj.published_on:%Y-%m-%d}～{obj.ends_on:%Y-%m-%d}"

    @display(description=_("状态"), ordering="status", label=NOTICE_STATUS_LABELS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description=_("待处理异议"))
    def objections_pending(self, obj):
        return sum(1 for o in obj.objections.all() if o.outcome == NoticeObjection.Outcome.PENDING)

    @display(description=_("异议"))
    def objection_list(self, obj):
        rows = list(obj.objections.all())
        if not rows:
            return gettext("无")
        can_decide = has_capability(obj.viewer, Capability.REGISTRY_CHANGE)
        return format_html(
            '<ul class="list-disc ml-4" id="objection-list">{}</ul>',
            format_html_join(
                "",
                '<li>{}（{}）：{} — <a class="text-primary-600 underline" href="{}">{}</a></li>',
                (
                    (
                        f"{o.received_on:%Y-%m-%d}",
                        o.objector or gettext("匿名"),
                        o.content[:60],
                        reverse("assistance:notice-objection-decide", args=[o.pk]),
                        gettext("处理") if can_decide and o.outcome == "pending" else o.get_outcome_display(),
                    )
                    for o in rows
                ),
            ),
        )

    @display(description=_("操作"))
    def actions_bar(self, obj):
        parts = []
        if (
            obj.status != Notice.Status.CLOSED
            and obj.application.status == ApplicationStatus.NOTICE
            and has_capability(obj.viewer, Capability.REGISTRY_CHANGE)
        ):
            parts.append(
                format_html(
                    '<a class="{}" id="objection-add" href="{}">{}</a>',
                    BUTTON,
                    reverse("assistance:notice-objection-add", args=[obj.pk]),
                    gettext("登记异议"),
                )
            )
        parts.append(
            format_html(
                '<a class="{}" id="notice-print" href="{}">{}</a>',
                BUTTON,
                reverse("assistance:notice-print", args=[obj.region_id, f"{obj.month:%Y-%m}"]),
                gettext("打印本村居本月公示（Word）"),
            )
        )
        return format_html_join("", "{}", ((p,) for p in parts))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.viewer = request.user  # the read-only fields offer actions by the viewer's role
        return obj
