"""The one place that decides which records a user may see: `visible_to(user, queryset)`.

Every scoped model names the lookup to the region responsible for it in `SCOPE_FIELD`
("region" for most; "" for `Region` itself). The back office, custom pages, API, exports and
dashboards all filter through here, so a town caseworker sees exactly their town everywhere.
"""

import logging

from django.db.models import Model, QuerySet
from django.http import Http404

from minzheng.core.audit import log_denied_access
from minzheng.registry.models import Region

from .roles import Capability, has_capability

security_log = logging.getLogger("minzheng.security")


def scope_region_ids(user):
    """Subquery of the region ids inside the user's scope, or None for the whole system."""
    if user.is_superuser and user.scope_id is None:
        return None
    if user.scope_id is None:
        return Region.objects.none().values("id")
    if user.scope.parent_id is None:
        return None  # the whole district: no filter (and no large IN list for the planner)
    return Region.objects.filter(path__startswith=user.scope.path).values("id")


def visible_to(user, queryset: QuerySet) -> QuerySet:
    if not has_capability(user, Capability.REGISTRY_VIEW):
        return queryset.none()
    ids = scope_region_ids(user)
    if ids is None:
        return queryset
    field = queryset.model.SCOPE_FIELD
    lookup = f"{field}_id__in" if field else "id__in"
    return queryset.filter(**{lookup: ids})


def region_in_scope(user, region: Region | None) -> bool:
    if region is None:
        return False
    if user.is_superuser and user.scope_id is None:
        return True
    return user.scope_id is not None and region.path.startswith(user.scope.path)


def get_visible_or_404(user, queryset: QuerySet, **lookup) -> Model:
    """Fetch one record the user may see; anything else is a 404 (existence is not revealed)."""
    try:
        return visible_to(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist:
        if queryset.filter(**lookup).exists():
            security_log.warning(
                "out-of-scope access: user=%s model=%s lookup=%s", user.pk, queryset.model._meta.label, lookup
            )
            log_denied_access(
                actor=user, model_label=queryset.model._meta.label, object_id=next(iter(lookup.values()), "")
            )
        raise Http404
