"""Reads of 慈善: campaigns, donations and titles as the user may see them, and the figures.

Campaigns are public activities: every back-office user sees all of them (a town records the
donations it receives into the district's campaign). Donations and titles are scoped by region.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import visible_to
from minzheng.registry.models import Region

from ..models.charity import CharityCampaign, CharityTitle, Donation


def campaigns_visible_to(user) -> QuerySet[CharityCampaign]:
    if not has_capability(user, Capability.REGISTRY_VIEW):
        return CharityCampaign.objects.none()
    return CharityCampaign.objects.select_related("region")


def campaigns_with_totals(user) -> QuerySet[CharityCampaign]:
    """Campaigns with the count and sum of the donations the user may see."""
    visible = Q(donations__id__in=donations_visible_to(user).values("id"))
    return campaigns_visible_to(user).annotate(
        donation_total=Sum("donations__amount", filter=visible),
        donation_count=Count("donations", filter=visible),
    )


def donations_visible_to(user) -> QuerySet[Donation]:
    return visible_to(user, Donation.objects.select_related("campaign", "region", "region__parent"))


def titles_visible_to(user) -> QuerySet[CharityTitle]:
    return visible_to(user, CharityTitle.objects.select_related("region", "region__parent"))


def _subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path).values("id")


def donations_received(
    start: date, end: date, region: Region, *, kind: str | None = None
) -> QuerySet[Donation]:
    """Donations received in [start, end] by `region` or below; of campaigns of `kind` only
    when given (e.g. `CharityCampaign.Kind.POVERTY_RELIEF_DAY`), of every campaign otherwise."""
    donations = Donation.objects.filter(
        received_on__gte=start, received_on__lte=end, region_id__in=_subtree(region)
    )
    if kind is not None:
        donations = donations.filter(campaign__kind=kind)
    return donations.select_related("campaign", "region")


def donation_total(start: date, end: date, region: Region, *, kind: str | None = None) -> Decimal:
    total = donations_received(start, end, region, kind=kind).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def titles_awarded(year: int, region: Region) -> QuerySet[CharityTitle]:
    return CharityTitle.objects.filter(year=year, region_id__in=_subtree(region)).select_related("region")
