"""Life events from the register: a death ends entitlements, a household change recalculates."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.dispatch import receiver
from django.utils import timezone

from minzheng.core.months import Month
from minzheng.registry import events
from minzheng.registry.models import Household, Person

from .models import Entitlement, Scheme
from .recalculation import current_month, recalculate


@receiver(events.person_died, dispatch_uid="benefits.person_died")
def on_person_died(sender, *, person, death_date, **kwargs):
    end_for_death(person, death_date)


@receiver(events.household_changed, dispatch_uid="benefits.household_changed")
def on_household_changed(sender, *, household, change, **kwargs):
    if change == "created":
        return
    recalculate_household(
        household, current_month() + 1 if change != "member_died" else _after_death(kwargs), change
    )


def _after_death(kwargs) -> Month:
    person = kwargs.get("person")
    if person is not None and person.death_date:
        return Month.of(person.death_date) + 1
    return current_month() + 1


@transaction.atomic
def end_for_death(person: Person, death_date: date) -> int:
    """A death ends the person's own entitlements after the month of death; payments already made
    for later months are flagged and recovered in the next run. An entitlement that was to start
    after the death (the death was registered late) is revoked: nothing of it was owed."""
    last = Month.of(death_date)
    open_ = Entitlement.objects.filter(person=person, scheme__unit=Scheme.Unit.PERSON).filter(
        Q(end_month__isnull=True) | Q(end_month__gt=last.first_day)
    )
    ids = list(open_.values_list("pk", flat=True))
    if not ids:
        return 0
    started_after = Q(start_month__gt=last.first_day)
    Entitlement.objects.filter(pk__in=ids).update(
        end_month=Case(When(started_after, then=F("start_month")), default=Value(last.first_day)),
        revoked=Case(When(started_after, then=Value(True)), default=F("revoked")),
        status=Entitlement.Status.ENDED,
        end_reason="死亡",
        updated_at=timezone.now(),
    )
    recalculate(
        Entitlement.objects.filter(pk__in=ids), from_month=last + 1, reason=f"{death_date:%Y-%m-%d}死亡"
    )
    return len(ids)


def recalculate_household(household: Household, from_month: Month, reason: str) -> int:
    return recalculate(
        Entitlement.objects.filter(household=household).exclude(status=Entitlement.Status.ENDED),
        from_month=from_month,
        reason=reason,
    )
