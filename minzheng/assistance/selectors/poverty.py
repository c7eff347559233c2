"""Reads of 精准扶贫: the register as the user may see it, and the register at a date (for figures).

On the register on day D: registered on or before D and not exited by D (`exited_on` after D).
At the start of a period means at the end of the day before it begins.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet

from minzheng.accounts.scoping import get_visible_or_404, visible_to
from minzheng.registry.models import Region

from ..models.poverty import PairedHelper, PoorHousehold, PovertyMeasure, PovertyVisit


def poor_households_visible_to(user) -> QuerySet[PoorHousehold]:
    return visible_to(
        user,
        PoorHousehold.objects.select_related(
            "household", "household__head", "region", "region__parent"
        ).annotate(
            measure_count=Count("measures", distinct=True), visit_count=Count("visits", distinct=True)
        ),
    )


def get_poor_household_for(user, pk) -> PoorHousehold:
    return get_visible_or_404(
        user,
        PoorHousehold.objects.select_related("household", "household__head", "region", "region__parent"),
        pk=pk,
    )


def helpers_visible_to(user) -> QuerySet[PairedHelper]:
    return visible_to(user, PairedHelper.objects.select_related("poor_household__household__head"))


def measures_visible_to(user) -> QuerySet[PovertyMeasure]:
    return visible_to(user, PovertyMeasure.objects.select_related("poor_household__household__head"))


def visits_visible_to(user) -> QuerySet[PovertyVisit]:
    return visible_to(user, PovertyVisit.objects.select_related("poor_household__household__head", "helper"))


def _in_region(queryset: QuerySet[PoorHousehold], region: Region | None) -> QuerySet[PoorHousehold]:
    if region is None:
        return queryset
    return queryset.filter(region_id__in=Region.objects.filter(path__startswith=region.path).values("id"))


def on_register(day: date, region: Region | None = None) -> QuerySet[PoorHousehold]:
    """Households on the register at the end of `day`."""
    queryset = PoorHousehold.objects.filter(registered_on__lte=day).filter(
        Q(exited_on__isnull=True) | Q(exited_on__gt=day)
    )
    return _in_region(queryset, region).select_related("household__head", "region")


def on_register_at_start(start: date, region: Region | None = None) -> QuerySet[PoorHousehold]:
    return on_register(start - timedelta(days=1), region)


def on_register_during(start: date, end: date, region: Region | None = None) -> QuerySet[PoorHousehold]:
    """Households on the register at any time from `start` to `end` (the exit rate's denominator)."""
    queryset = PoorHousehold.objects.filter(registered_on__lte=end).filter(
        Q(exited_on__isnull=True) | Q(exited_on__gte=start)
    )
    return _in_region(queryset, region).select_related("household__head", "region")


def exited_during(start: date, end: date, region: Region | None = None) -> QuerySet[PoorHousehold]:
    queryset = PoorHousehold.objects.filter(exited_on__gte=start, exited_on__lte=end)
    return _in_region(queryset, region).select_related("household__head", "region")
