"""Back office: the transition history, read-only and scoped; a mixin for application-type admins."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from minzheng.accounts.roles import Capability
from minzheng.core.admin_mixins import RoleScopedAdminMixin

from .models import TransitionRecord
from .selectors import case_history


@admin.register(TransitionRecord)
class TransitionRecordAdmin(RoleScopedAdminMixin, ModelAdmin):
    """Every step of every case in the user's scope. History is never edited."""

    view_capability = Capability.REGISTRY_VIEW
    list_display = ["created_at", "case_type", "case_id", "from_status", "to_status", "actor", "deadline"]
    list_filter = ["case_type", "to_status"]
    search_fields = ["case_id"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "case_type",
        "case_id",
        "from_status",
        "to_status",
        "actor",
        "opinion",
        "deadline",
        "region",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WorkflowCaseAdminMixin:
    """For an application type's admin: status fields are read-only and the history is shown.

    The status changes only through `workflow.engine.transition` (admin actions or custom
    pages call it), never by editing the field.
    """

    workflow_readonly_fields = ("status", "status_changed_at", "deadline", "workflow_history")

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.workflow_readonly_fields)

    @admin.display(description=_("办理记录"))
    def workflow_history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        workflow = obj.WORKFLOW
        rows = [
            (
                f"{record.created_at:%Y-%m-%d %H:%M}",
                workflow.label(record.from_status) if record.from_status else "—",
                workflow.label(record.to_status),
                record.actor or "—",
                record.opinion or "—",
            )
            for record in case_history(obj)
        ]
        return format_html_join("", "<div>{}：{} → {}（{}）{}</div>", rows) or "—"
