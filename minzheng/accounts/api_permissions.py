"""Roles and scopes for the REST API, built on the same two checks as every other channel.

- `HasCapability` lets a request through when the user's role has the capability the view names
  for it: `read_capability` for safe methods, `write_capability` for the others, or an entry in
  `action_capabilities` for a named action. Without it the answer is 403; a view that names
  nothing for a kind of request refuses it (`None` says "any signed-in user").
- `ScopedQuerysetMixin` limits lists to `visible_to(user)` and fetches single records with
  `get_visible_or_404`, so a record outside the user's scope is a 404 (its existence is not
  revealed) and the attempt is logged.

A later app's viewset reuses both:

    class ApplicationViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
        read_capability = Capability.REGISTRY_VIEW
        def get_base_queryset(self):
            return Application.objects.select_related("household")
"""

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .roles import Capability, has_capability
from .scoping import get_visible_or_404, visible_to

UNDECLARED = object()


def required_capability(request, view):
    """The capability `view` asks of this request.

    None means authentication is enough (it must be said explicitly); a view that declares
    nothing for this kind of request gets `UNDECLARED`, which is refused (fail closed).
    """
    action = getattr(view, "action", None)
    by_action = getattr(view, "action_capabilities", {}) or {}
    if action in by_action:
        return by_action[action]
    if request.method in SAFE_METHODS:
        return getattr(view, "read_capability", UNDECLARED)
    return getattr(view, "write_capability", UNDECLARED)


def capability_label(capability: str) -> str:
    try:
        return str(Capability(capability).label)
    except ValueError:
        return capability


class HasCapability(BasePermission):
    """Authenticated, and the role has the capability the view requires for this request."""

    message = "您没有执行该操作的权限"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        capability = required_capability(request, view)
        if capability is None:
            return True
        if capability is UNDECLARED:
            return False
        if has_capability(user, capability):
            return True
        self.message = f"您的角色没有“{capability_label(capability)}”的权限"
        return False


class ScopedQuerysetMixin:
    """Scope for a DRF view: lists through `visible_to`, single records through `get_visible_or_404`.

    Subclasses implement `get_base_queryset()` (the unscoped queryset with its
    `select_related`/`prefetch_related`) or override `get_queryset()` with a selector.
    """

    permission_classes = [HasCapability]
    read_capability: str | None = Capability.REGISTRY_VIEW
    write_capability: str | None = Capability.REGISTRY_CHANGE
    action_capabilities: dict[str, str] = {}

    def get_base_queryset(self) -> QuerySet:
        raise TypeError(f"{type(self).__name__} must define get_base_queryset()")

    def get_queryset(self) -> QuerySet:
        return visible_to(self.request.user, self.get_base_queryset())

    def get_object(self) -> Model:
        queryset = self.get_base_queryset()
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs[lookup_url_kwarg]
        field = queryset.model._meta.pk if self.lookup_field in ("pk", "id") else None
        if field is not None:
            try:
                value = field.to_python(value)
            except ValidationError:
                raise NotFound()
        obj = get_visible_or_404(self.request.user, queryset, **{self.lookup_field: value})
        self.check_object_permissions(self.request, obj)
        return obj
