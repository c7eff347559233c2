"""What every back-office screen shares: role capabilities, the user's scope, service-backed forms."""

from django.http import Http404

from minzheng.accounts.roles import has_capability
from minzheng.accounts.scoping import get_visible_or_404, visible_to


class RoleScopedAdminMixin:
    """Capabilities decide what a role may do; `visible_to` decides which records it sees.

    An out-of-scope (or missing) record is a 404, logged, as in the API and custom pages.
    Records are never deleted from the back office.
    """

    view_capability: str = ""
    change_capability: str = ""
    scoped = True

    def has_module_permission(self, request):
        return has_capability(request.user, self.view_capability)

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, self.view_capability)

    def has_add_permission(self, request):
        return bool(self.change_capability) and has_capability(request.user, self.change_capability)

    def has_change_permission(self, request, obj=None):
        return bool(self.change_capability) and has_capability(request.user, self.change_capability)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return visible_to(request.user, qs) if self.scoped else qs

    def get_object(self, request, object_id, from_field=None):
        if not self.scoped:
            return super().get_object(request, object_id, from_field)
        try:
            pk = self.model._meta.pk.to_python(object_id)
        except Exception:
            raise Http404
        return get_visible_or_404(request.user, super().get_queryset(request), pk=pk)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        """The form's service already saved the object."""

    def save_related(self, request, form, formsets, change):
        """Related rows are changed through services too."""
