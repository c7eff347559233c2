"""Back office: the list of applications (scoped, masked, filtered, overdue flagged).

A row opens the case page (`assistance:application`), where every step is taken; "add" opens the
intake page. Nothing is edited or deleted here.
"""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from minzheng.accounts.roles import Capability
from minzheng.core.admin_mixins import RoleScopedAdminMixin
from minzheng.core.masking import display_name
from minzheng.registry.admin import TownFilter

from ..models import APPLICATION_WORKFLOW, OPEN_STATUSES, Application, ApplicationStatus
from .common import search_by_person, town_of

STATUS_LABELS = {
    ApplicationStatus.APPROVED: "success",
    ApplicationStatus.REFUSED: "danger",
    ApplicationStatus.WITHDRAWN: "danger",
    ApplicationStatus.INCOMPLETE: "warning",
}


class OverdueFilter(admin.SimpleListFilter):
    title = _("办理期限")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("已超期")), ("no", _("未超期"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        overdue = queryset.filter(status__in=OPEN_STATUSES, deadline__lt=today)
        if self.value() == "yes":
            return overdue
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue.values("pk"))
        return queryset


@admin.register(Application)
class ApplicationAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE  # "add" leads to the intake page
    list_display = [
        "number_link",
        "program",
        "applicant",
        "masked_id",
        "town",
        "region",
        "applied_on",
        "status_label",
        "deadline",
        "overdue_flag",
    ]
    list_display_links = None
    list_filter = ["program", "status", TownFilter, OverdueFilter]
    search_fields = ["number"]
    list_select_related = ["person", "region", "region__parent"]
    date_hierarchy = None
    list_per_page = 50

    def has_add_permission(self, request):
        user = request.user
        starter = user.is_superuser or user.role in APPLICATION_WORKFLOW.starters
        return starter and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("assistance:application-new")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        return redirect("assistance:application", pk=obj.pk)

    def get_search_results(self, request, queryset, search_term):
        """The application number, or the register's own person search (name, ID, its last digits)."""
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        by_number = queryset.filter(number__iexact=term)
        if by_number.exists():
            return by_number, False
        return search_by_person(request, queryset, term)

    @display(description=_("申请编号"), ordering="number")
    def number_link(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("assistance:application", args=[obj.pk]),
            obj.number,
        )

    @display(description=_("申请人"), ordering="person__name")
    def applicant(self, obj):
        return display_name(obj.person)

    @display(description=_("身份证号码"))
    def masked_id(self, obj):
        return obj.person.masked_id_number

    @display(description=_("镇街"))
    def town(self, obj):
        return town_of(obj)

    @display(description=_("状态"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description=_("超期"))
    def overdue_flag(self, obj):
        today = timezone.localdate()
        if obj.deadline and obj.status in OPEN_STATUSES and obj.deadline < today:
            return format_html('<span class="mz-error font-semibold overdue-flag">{}</span>', _("已超期"))
        return ""
