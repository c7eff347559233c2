"""Life events from the register: a death ends entitlements, a household change recalculates."""

from django.dispatch import receiver

from minzheng.core.months import Month
from minzheng.registry import events

from .services import current_month, end_for_death, recalculate_household


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
