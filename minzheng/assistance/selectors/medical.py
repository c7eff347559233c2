"""Reads of 医疗救助 and 临时救助, scoped to the user (`visible_to`) with what lists show joined in."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet, Sum

from minzheng.accounts.scoping import get_visible_or_404, visible_to
from minzheng.registry.models import Region

from ..models import ClaimStatus, MedicalClaim, TemporaryAid

CLAIM_RELATED = ("person", "region", "region__parent", "created_by")
AID_RELATED = ("person", "household", "region", "region__parent", "approved_by")


def claims_visible_to(user) -> QuerySet[MedicalClaim]:
    return visible_to(user, MedicalClaim.objects.select_related(*CLAIM_RELATED))


def get_claim_for(user, pk) -> MedicalClaim:
    return get_visible_or_404(user, MedicalClaim.objects.select_related(*CLAIM_RELATED), pk=pk)


def temporary_aid_visible_to(user) -> QuerySet[TemporaryAid]:
    return visible_to(user, TemporaryAid.objects.select_related(*AID_RELATED))


def get_temporary_aid_for(user, pk) -> TemporaryAid:
    return get_visible_or_404(user, TemporaryAid.objects.select_related(*AID_RELATED), pk=pk)


def person_claims_in_year(person, year: int) -> QuerySet[MedicalClaim]:
    """A person's approved claims of a year, oldest first (the cap is counted over these)."""
    return MedicalClaim.objects.filter(
        person=person, status=ClaimStatus.APPROVED, visit_date__year=year
    ).order_by("visit_date", "id")


def reimbursed_in_year(person, year: int):
    return person_claims_in_year(person, year).aggregate(total=Sum("reimbursed"))["total"] or 0


def _in_region(queryset: QuerySet, region: Region | None) -> QuerySet:
    if region is None or region.parent_id is None:
        return queryset
    return queryset.filter(region_id__in=Region.objects.filter(path__startswith=region.path).values("id"))


def approved_claims(start: date, end: date, region: Region | None = None) -> QuerySet[MedicalClaim]:
    """Approved claims with a visit date in [start, end] in the region's subtree (indicators)."""
    queryset = MedicalClaim.objects.filter(status=ClaimStatus.APPROVED, visit_date__range=(start, end))
    return _in_region(queryset, region)


def temporary_aid_granted(start: date, end: date, region: Region | None = None) -> QuerySet[TemporaryAid]:
    return _in_region(TemporaryAid.objects.filter(granted_on__range=(start, end)), region)
