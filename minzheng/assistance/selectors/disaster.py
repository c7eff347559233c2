"""Reads of 防灾减灾救灾: events, shelters and relief as the user may see them, and the figures.

Events are district-wide: a user sees every event when their scope is the district, otherwise
the events that affected their 镇街 (or a 镇街 inside their scope). Shelters and relief are
scoped by their region like every other record.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.http import Http404

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import scope_region_ids, visible_to
from minzheng.registry.models import Region

from ..models.disaster import DisasterEvent, ReliefGiven, ShelterOpening


def _towns_in_view(user) -> QuerySet[Region] | None:
    """The 镇街 whose events the user sees (None: all)."""
    if scope_region_ids(user) is None:
        return None
    if user.scope_id is None:
        return Region.objects.none()
    scope = user.scope
    ancestors = [int(part) for part in scope.path.strip("/").split("/") if part.isdigit()]
    towns = Region.objects.filter(level=Region.Level.TOWN)
    return (towns.filter(id__in=ancestors) | towns.filter(path__startswith=scope.path)).values("id")


def events_visible_to(user) -> QuerySet[DisasterEvent]:
    if not has_capability(user, Capability.REGISTRY_VIEW):
        return DisasterEvent.objects.none()
    events = DisasterEvent.objects.prefetch_related("affected_towns")
    towns = _towns_in_view(user)
    if towns is None:
        return events
    return events.filter(
        Exists(
            DisasterEvent.affected_towns.through.objects.filter(
                disasterevent_id=OuterRef("pk"), region_id__in=towns
            )
        )
    )


def get_event_for(user, pk) -> DisasterEvent:
    """One event the user may see; anything else is a 404 (its existence is not revealed)."""
    try:
        return events_visible_to(user).get(pk=pk)
    except (DisasterEvent.DoesNotExist, ValueError, TypeError):
        raise Http404


def shelters_visible_to(user) -> QuerySet[ShelterOpening]:
    return visible_to(user, ShelterOpening.objects.select_related("event", "region", "region__parent"))


def reliefs_visible_to(user) -> QuerySet[ReliefGiven]:
    return visible_to(
        user,
        ReliefGiven.objects.select_related("event", "household", "household__head", "region", "entitlement"),
    )


def _subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path).values("id")


def shelters_opened(start: date, end: date, region: Region) -> QuerySet[ShelterOpening]:
    return ShelterOpening.objects.filter(
        opened_on__gte=start, opened_on__lte=end, region_id__in=_subtree(region)
    )


def reliefs_given(start: date, end: date, region: Region) -> QuerySet[ReliefGiven]:
    return ReliefGiven.objects.filter(given_on__gte=start, given_on__lte=end, region_id__in=_subtree(region))


def events_with_response(start: date, end: date, region: Region) -> QuerySet[DisasterEvent]:
    """Events with at least one shelter opened or relief given in the period and region."""
    shelters = shelters_opened(start, end, region).filter(event_id=OuterRef("pk"))
    reliefs = reliefs_given(start, end, region).filter(event_id=OuterRef("pk"))
    return DisasterEvent.objects.filter(Exists(shelters) | Exists(reliefs))


def people_sheltered(start: date, end: date, region: Region) -> int:
    return shelters_opened(start, end, region).aggregate(total=Sum("people_sheltered"))["total"] or 0


def relief_cash(start: date, end: date, region: Region) -> Decimal:
    cash = reliefs_given(start, end, region).filter(kind=ReliefGiven.Kind.CASH)
    return cash.aggregate(total=Sum("amount"))["total"] or Decimal("0")
