"""Back-office lists of the benefits engine. Read-only except through the services' forms;
entitlements and payroll runs open on their own pages (views.py)."""

from django.contrib import admin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.admin_mixins import RoleScopedAdminMixin
from minzheng.core.masking import display_name, is_minor, mask_child_name
from minzheng.registry.admin import TownFilter
from minzheng.registry.selectors import search_persons

from .forms import BankAccountAddForm, BankAccountChangeForm, SchemeAddForm, params_text
from .models import BankAccount, Entitlement, PayrollRun, Scheme, Standard

RUN_STATUS_LABELS = {"draft": "warning", "approved": "info", "exported": "info", "reconciled": "success"}
ENTITLEMENT_STATUS_LABELS = {"active": "success", "suspended": "warning", "ended": "danger"}


def month_text(day) -> str:
    return f"{day:%Y-%m}" if day else ""


def months_text(start, end) -> str:
    return f"{start:%Y-%m}～{end:%Y-%m}" if end else f"{start:%Y-%m}～{gettext('至今')}"


def _search_by_person(request, queryset, search_term, person_field="person"):
    """The register's own search (name, full ID number, its last digits, pinyin initials)."""
    term = (search_term or "").strip()
    if not term:
        return queryset, False
    persons = search_persons(request.user, term)
    return queryset.filter(**{f"{person_field}__in": persons.values("id")}), False


# --- schemes and standards ------------------------------------------------------------------


class StandardInline(TabularInline):
    """Every standard of the scheme, closed ones included, by region and start month."""

    model = Standard
    verbose_name_plural = _("待遇标准（全部历史）")
    fields = ["region", "months", "value", "params_display", "document", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, Capability.BENEFITS_VIEW)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("region", "created_by")
            .order_by("region__path", "valid_from")
        )

    @display(description=_("起止月份"))
    def months(self, obj):
        return months_text(obj.valid_from, obj.valid_to)

    @display(description=_("标准"))
    def value(self, obj):
        if obj.amount is not None:
            return f"{obj.amount} 元"
        if obj.multiple is not None:
            return gettext("倍数 %(m)s") % {"m": obj.multiple}
        return "—"

    @display(description=_("参数"))
    def params_display(self, obj):
        return params_text(obj.params) or "—"


@admin.register(Scheme)
class SchemeAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.BENEFITS_VIEW
    change_capability = Capability.BENEFITS_MANAGE  # adding a scheme; a scheme itself is not edited
    scoped = False  # schemes are district-wide
    form = SchemeAddForm
    list_display = ["code", "name", "kind", "unit", "paying_unit", "base_scheme", "is_active"]
    list_filter = ["kind", "unit", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["base_scheme"]
    readonly_fields = ["standards_action"]

    def has_change_permission(self, request, obj=None):
        return False  # the detail page is read-only; standards are added on their own page

    def get_inlines(self, request, obj):
        return [StandardInline] if obj else []

    def get_fields(self, request, obj=None):
        fields = ["code", "name", "kind", "unit", "paying_unit", "base_scheme", "excludes"]
        if obj is None:
            return fields
        if has_capability(request.user, Capability.BENEFITS_MANAGE):
            return [*fields, "is_active", "standards_action"]
        return [*fields, "is_active"]

    @display(description=_("待遇标准"))
    def standards_action(self, obj):
        return format_html(
            '<a class="bg-primary-600 text-white rounded-default px-4 py-2 font-semibold" id="add-standard" '
            'href="{}">{}</a>',
            reverse("benefits:standard-add", args=[obj.pk]),
            gettext("新增标准"),
        )


# --- entitlements ---------------------------------------------------------------------------


@admin.register(Entitlement)
class EntitlementAdmin(RoleScopedAdminMixin, ModelAdmin):
    """Read-only: entitlements change through the program screens' services."""

    view_capability = Capability.BENEFITS_VIEW
    list_display = [
        "person_link",
        "scheme",
        "masked_id",
        "region",
        "town",
        "months",
        "status_label",
        "monthly_amount",
    ]
    list_display_links = None
    list_filter = ["scheme", "status", TownFilter]
    search_fields = ["person__name"]  # replaced by the register's search, see get_search_results
    search_help_text = _("按领取人姓名、完整身份证号码、身份证后几位或姓名拼音首字母查找")
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("scheme", "person", "region", "region__parent")

    def get_search_results(self, request, queryset, search_term):
        return _search_by_person(request, queryset, search_term)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        entitlement = self.get_object(request, object_id)  # 404 (logged) outside the user's scope
        return redirect("benefits:entitlement", pk=entitlement.pk)

    @display(description=_("领取人"), ordering="person__name")
    def person_link(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("benefits:entitlement", args=[obj.pk]),
            display_name(obj.person),
        )

    @display(description=_("身份证号码"))
    def masked_id(self, obj):
        return format_html('<span class="mz-masked">{}</span>', obj.person.masked_id_number)

    @display(description=_("镇街"))
    def town(self, obj):
        return obj.region.parent.name if obj.region.parent_id else ""

    @display(description=_("起止月份"), ordering="start_month")
    def months(self, obj):
        return months_text(obj.start_month, obj.end_month)

    @display(description=_("状态"), ordering="status", label=ENTITLEMENT_STATUS_LABELS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()


# --- bank accounts --------------------------------------------------------------------------


def account_reveal_widget(account: BankAccount, can_reveal: bool) -> str:
    """The masked number, and for roles allowed to, a button that swaps in the full one (audited)."""
    masked = format_html(
        '<span class="mz-masked" id="reveal-account-{}">{}</span>', account.pk, account.masked_number
    )
    if not can_reveal:
        return masked
    return format_html(
        '{} <button type="button" class="text-primary-600 underline text-sm ml-2" hx-post="{}" '
        'hx-target="#reveal-account-{}" hx-swap="outerHTML">{}</button>',
        masked,
        reverse("benefits:account-reveal", args=[account.pk]),
        account.pk,
        gettext("显示完整"),
    )


@admin.register(BankAccount)
class BankAccountAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.BENEFITS_VIEW
    change_capability = Capability.BENEFITS_MANAGE
    list_filter = [TownFilter, "bank_name"]
    search_fields = ["person__name"]  # replaced by the register's search
    search_help_text = _("按开户人姓名、完整身份证号码、身份证后几位或姓名拼音首字母查找")
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = ["person_detail", "account_masked", "account_reveal"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "person__region__parent")

    def get_search_results(self, request, queryset, search_term):
        return _search_by_person(request, queryset, search_term)

    def get_list_display(self, request):
        return [
            "person_name",
            "masked_id",
            "town",
            "bank_name",
            "holder_name",
            self._account_column(request),
        ]

    def _account_column(self, request):
        can_reveal = has_capability(request.user, Capability.BANK_ACCOUNT_REVEAL)
        return "account_reveal" if can_reveal else "account_masked"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = BankAccountChangeForm if obj else BankAccountAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["id_number", "bank_name", "account_name", "number"]
        fields = ["person_detail", "bank_name", "account_name", self._account_column(request)]
        return [*fields, "new_number"] if self.has_change_permission(request, obj) else fields

    @display(description=_("开户人"), ordering="person__name")
    def person_name(self, obj):
        return display_name(obj.person)

    @display(description=_("开户人"))
    def person_detail(self, obj):
        return f"{display_name(obj.person)}（{obj.person.masked_id_number}）"

    @display(description=_("身份证号码"))
    def masked_id(self, obj):
        return format_html('<span class="mz-masked">{}</span>', obj.person.masked_id_number)

    @display(description=_("户名"), ordering="account_name")
    def holder_name(self, obj):
        """The account holder's name; a child's masked like the person's own name."""
        return mask_child_name(obj.account_name) if is_minor(obj.person) else obj.account_name

    @display(description=_("镇街"))
    def town(self, obj):
        region = obj.person.region
        return region.parent.name if region.parent_id else ""

    @display(description=_("账号"))
    def account_masked(self, obj):
        return account_reveal_widget(obj, can_reveal=False)

    @display(description=_("账号"))
    def account_reveal(self, obj):
        return account_reveal_widget(obj, can_reveal=True)


# --- payroll runs ---------------------------------------------------------------------------


@admin.register(PayrollRun)
class PayrollRunAdmin(RoleScopedAdminMixin, ModelAdmin):
    """The list of runs; each opens on its run page, and 新建 goes to the new-run form."""

    view_capability = Capability.BENEFITS_VIEW
    change_capability = Capability.PAYROLL_BUILD
    scoped = False  # a run is district-wide; its lines are scoped on the run page
    list_display = [
        "month_link",
        "scheme",
        "status_label",
        "line_count",
        "total_amount",
        "built_by",
        "approved_by",
    ]
    list_display_links = None
    list_filter = ["scheme", "status"]
    list_select_related = ["scheme", "built_by", "approved_by"]
    list_per_page = 50

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("benefits:run-new")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404
        return redirect("benefits:run", pk=run.pk)

    @display(description=_("发放月份"), ordering="month")
    def month_link(self, obj):
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("benefits:run", args=[obj.pk]),
            month_text(obj.month),
        )

    @display(description=_("状态"), ordering="status", label=RUN_STATUS_LABELS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()
