from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from minzheng.accounts.roles import Capability, has_capability

from .audit import action_label
from .models import AuditLog, CalendarDay, Job


class ReadOnlyAdmin(ModelAdmin):
    capability = ""

    def has_module_permission(self, request):
        return has_capability(request.user, self.capability)

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, self.capability)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    capability = Capability.AUDIT_VIEW
    list_display = ["created_at", "actor", "action_display", "object_type", "object_repr", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @display(description=_("操作"), ordering="action")
    def action_display(self, obj):
        return action_label(obj.action)


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    capability = Capability.JOBS_VIEW
    list_display = ["id", "kind", "status", "progress_bar", "started_by", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["started_by"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if has_capability(request.user, Capability.AUDIT_VIEW):
            return qs
        return qs.filter(started_by=request.user)

    @display(description=_("进度"))
    def progress_bar(self, obj):
        url = reverse("backoffice:job", args=[obj.pk])
        return format_html(
            '<a href="{}" class="block w-32"><div class="mz-progress"><div style="width:{}%"></div></div></a>',
            url,
            obj.progress,
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(ModelAdmin):
    list_display = ["date", "is_working_day", "note"]

    def has_module_permission(self, request):
        return has_capability(request.user, Capability.ACCOUNTS_MANAGE)

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: has_capability(request.user, Capability.ACCOUNTS_MANAGE)
    )


admin.site.index_title = _("工作台")
admin.site.site_title = _("民政综合业务平台")
admin.site.site_header = _("民政综合业务平台")
