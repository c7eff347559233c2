from django.contrib import admin
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from minzheng.accounts.roles import Capability
from minzheng.core.admin_forms import ServiceModelForm
from minzheng.core.admin_mixins import RoleScopedAdminMixin

from . import selectors, services
from .forms import HouseholdAddForm, PersonAddForm, PersonChangeForm
from .models import Household, Person, Region


class TownFilter(admin.SimpleListFilter):
    title = _("镇街")
    parameter_name = "town"

    def lookups(self, request, model_admin):
        towns = selectors.regions_visible_to(request.user).filter(
            level=Region.Level.TOWN, valid_to__isnull=True
        )
        return [(t.pk, t.name) for t in towns]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        field = queryset.model.SCOPE_FIELD
        return queryset.filter(**{f"{field}__parent_id": self.value()})


class RegionForm(ServiceModelForm):
    class Meta:
        model = Region
        fields = ["parent", "level", "code", "name", "valid_from", "valid_to", "successor", "is_generated"]

    def call_service(self, data):
        if self.instance.pk:
            changes = {k: data[k] for k in ("name", "valid_to", "successor") if k in self.changed_data}
            return services.update_region(self.instance, actor=self.actor, **changes)
        return services.create_region(
            actor=self.actor,
            parent=data["parent"],
            level=data["level"],
            code=data["code"],
            name=data["name"],
            valid_from=data["valid_from"],
            is_generated=data.get("is_generated", False),
        )

    def validate_unique(self):
        return None


@admin.register(Region)
class RegionAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.ACCOUNTS_MANAGE
    form = RegionForm
    list_display = ["tree_name", "code", "level", "valid_from", "valid_to", "successor", "is_generated"]
    list_filter = ["level", "is_generated"]
    search_fields = ["name", "code"]
    list_per_page = 100
    list_select_related = ["successor"]

    def get_readonly_fields(self, request, obj=None):
        return ["parent", "level", "code", "valid_from", "is_generated"] if obj else []

    @display(description=_("名称"), ordering="path")
    def tree_name(self, obj):
        return format_html('<span style="padding-left:{}rem">{}</span>', obj.depth * 1.5, obj.name)


@admin.register(Person)
class PersonAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    list_display = [
        "name",
        "masked_id",
        "sex",
        "birth_date",
        "region",
        "town",
        "masked_phone_col",
        "disability",
        "alive",
    ]
    list_filter = [TownFilter, "sex", "disability_category", "marital_status"]
    search_fields = ["name"]  # replaced by the register's own search, see get_search_results
    search_help_text = _("按姓名、完整身份证号码、身份证后几位或姓名拼音首字母查找")
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = ["masked_id_detail", "birth_date", "sex", "death_date", "household_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region", "region__parent")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PersonChangeForm if obj else PersonAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (_("身份"), {"fields": ["id_number", "name", "marital_status"]}),
                (_("户籍与居住"), {"fields": ["region", "residence_region", "phone"]}),
                (
                    _("残疾情况"),
                    {"fields": ["disability_category", "disability_grade", "disability_cert_no"]},
                ),
            ]
        return [
            (
                _("身份"),
                {"fields": ["masked_id_detail", "name", "birth_date", "sex", "marital_status", "death_date"]},
            ),
            (_("户籍与居住"), {"fields": ["region", "residence_region", "phone", "household_link"]}),
            (_("残疾情况"), {"fields": ["disability_category", "disability_grade", "disability_cert_no"]}),
        ]

    def get_search_results(self, request, queryset, search_term):
        return selectors.search_persons(request.user, search_term, queryset=queryset), False

    @display(description=_("身份证号码"))
    def masked_id(self, obj):
        return format_html('<span class="mz-masked">{}</span>', obj.masked_id_number)

    @display(description=_("身份证号码"))
    def masked_id_detail(self, obj):
        return reveal_widget(obj, "id_number", obj.masked_id_number)

    @display(description=_("联系电话"))
    def masked_phone_col(self, obj):
        return obj.masked_phone

    @display(description=_("镇街"))
    def town(self, obj):
        return obj.region.parent.name if obj.region.parent_id else ""

    @display(description=_("残疾"), boolean=True)
    def disability(self, obj):
        return bool(obj.disability_grade)

    @display(description=_("在世"), boolean=True)
    def alive(self, obj):
        return obj.death_date is None

    @display(description=_("所在家庭户"))
    def household_link(self, obj):
        membership = obj.memberships.filter(valid_to__isnull=True).select_related("household").first()
        if not membership:
            return "—"
        url = reverse("backoffice:household-file", args=[membership.household_id])
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>', url, membership.household
        )


def reveal_widget(obj, field, masked):
    url = reverse("backoffice:reveal", args=[obj._meta.label_lower, obj.pk, field])
    return format_html(
        '<span class="mz-masked" id="reveal-{field}-{pk}">{masked}</span> '
        '<button type="button" class="text-primary-600 underline text-sm ml-2" hx-post="{url}" '
        'hx-target="#reveal-{field}-{pk}" hx-swap="outerHTML">{label}</button>',
        field=field,
        pk=obj.pk,
        masked=masked,
        url=url,
        label=_("显示完整"),
    )


@admin.register(Household)
class HouseholdAdmin(RoleScopedAdminMixin, ModelAdmin):
    view_capability = Capability.REGISTRY_VIEW
    change_capability = Capability.REGISTRY_CHANGE
    form = HouseholdAddForm
    list_display = [
        "file_link",
        "assistance_file",
        "head_name",
        "head_id_masked",
        "region",
        "town",
        "members",
        "address",
    ]
    list_filter = [TownFilter]
    search_fields = ["number"]
    search_help_text = _("按户号，或任一成员的姓名、身份证号码（完整或后几位）、拼音首字母查找")
    list_per_page = 50
    show_full_result_count = False
    fields = ["region", "number", "address", "head_id_number"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("region", "region__parent", "head")
            .annotate(member_count=Count("memberships", filter=Q(memberships__valid_to__isnull=True)))
        )

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        by_number = queryset.filter(number=term)
        if by_number.exists():
            return by_number, False
        persons = selectors.search_persons(request.user, term)
        return queryset.filter(
            memberships__person__in=persons.values("id"), memberships__valid_to__isnull=True
        ), True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        household = self.get_object(request, object_id)
        return redirect("backoffice:household-file", pk=household.pk)

    def response_add(self, request, obj, post_url_continue=None):
        return redirect("backoffice:household-file", pk=obj.pk)

    @display(description=_("户号"), ordering="number")
    def file_link(self, obj):
        url = reverse("backoffice:household-file", args=[obj.pk])
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>', url, obj.number or f"#{obj.pk}"
        )

    @display(description=_("一户一档"))
    def assistance_file(self, obj):
        # looked up by name: the register imports no program app, and works without one
        try:
            url = reverse("assistance:household-file", args=[obj.pk])
        except NoReverseMatch:
            return ""
        return format_html('<a class="text-primary-600 underline" href="{}">{}</a>', url, _("救助档案"))

    @display(description=_("户主"))
    def head_name(self, obj):
        return obj.head.name if obj.head_id else _("（待定户主）")

    @display(description=_("户主身份证号码"))
    def head_id_masked(self, obj):
        return obj.head.masked_id_number if obj.head_id else ""

    @display(description=_("镇街"))
    def town(self, obj):
        return obj.region.parent.name if obj.region.parent_id else ""

    @display(description=_("现有成员"), ordering="member_count")
    def members(self, obj):
        return obj.member_count
