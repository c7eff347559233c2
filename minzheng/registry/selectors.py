"""Reads of the register, already limited to what the user may see."""

import re

from django.db.models import Prefetch, QuerySet

from minzheng.accounts.scoping import get_visible_or_404, visible_to
from minzheng.core.audit import history_for
from minzheng.core.models import AuditLog

from .models import Household, Membership, Person, Region

ID_FULL = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
ID_PART = re.compile(r"^\d{3,5}[\dXx]$|^\d{4,6}$")
LATIN = re.compile(r"^[A-Za-z]{1,20}$")


def persons_visible_to(user) -> QuerySet[Person]:
    return visible_to(user, Person.objects.select_related("region", "region__parent"))


def households_visible_to(user) -> QuerySet[Household]:
    return visible_to(user, Household.objects.select_related("region", "region__parent", "head"))


def regions_visible_to(user) -> QuerySet[Region]:
    return visible_to(user, Region.objects.select_related("parent"))


def search_persons(user, query: str, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """By full ID number, by its last digits (up to six), by pinyin initials, or by name."""
    qs = queryset if queryset is not None else persons_visible_to(user)
    query = (query or "").strip()
    if not query:
        return qs
    if ID_FULL.match(query):
        from .idnumbers import normalise_id_number

        try:
            return qs.filter(id_number=normalise_id_number(query))
        except Exception:
            return qs.filter(id_number=query.upper())
    if ID_PART.match(query):
        tail = query.upper()
        if len(tail) == 6:
            return qs.filter(id_tail=tail)
        return qs.filter(id_tail__endswith=tail)
    if LATIN.match(query):
        return qs.filter(name_initials__startswith=query.lower())
    return qs.filter(name__startswith=query)


def search_households(user, query: str) -> QuerySet[Household]:
    qs = households_visible_to(user)
    query = (query or "").strip()
    if not query:
        return qs
    persons = search_persons(user, query, queryset=Person.objects.all())
    return qs.filter(
        memberships__person__in=persons.values("id"), memberships__valid_to__isnull=True
    ).distinct()


def get_household_file(user, pk) -> dict:
    """Everything the household file page shows: the household, current and former members, history."""
    household = get_visible_or_404(
        user,
        Household.objects.select_related("region", "region__parent", "head").prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("person").order_by("valid_to", "valid_from", "id"),
            )
        ),
        pk=pk,
    )
    memberships = list(household.memberships.all())
    current = [m for m in memberships if m.valid_to is None]
    former = [m for m in memberships if m.valid_to is not None]
    history: QuerySet[AuditLog] = history_for(household)
    return {"household": household, "current": current, "former": former, "history": history}
