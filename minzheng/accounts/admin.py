from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from .models import User
from .roles import Capability, has_capability

admin.site.unregister(Group)


class ManagedByAdministrators:
    def has_module_permission(self, request):
        return has_capability(request.user, Capability.ACCOUNTS_MANAGE)

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, Capability.ACCOUNTS_MANAGE)

    def has_add_permission(self, request):
        return has_capability(request.user, Capability.ACCOUNTS_MANAGE)

    def has_change_permission(self, request, obj=None):
        return has_capability(request.user, Capability.ACCOUNTS_MANAGE)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ManagedByAdministrators, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "full_name", "role", "scope", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name"]
    list_select_related = ["scope"]
    autocomplete_fields = []
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["last_name", "first_name", "email", "phone"]}),
        (_("角色与范围"), {"fields": ["role", "scope", "is_active", "is_superuser"]}),
        (_("登录记录"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("角色与范围"), {"fields": ["role", "scope"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def full_name(self, obj):
        return obj.get_full_name()

    full_name.short_description = _("姓名")


class GroupAdmin(ManagedByAdministrators, BaseGroupAdmin, ModelAdmin):
    pass
