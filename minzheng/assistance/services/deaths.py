"""Money paid to an assistance recipient for months after their death.

When a death is registered after payments for later months were made, the engine ends the
person's own entitlements after the month of death and recovers those months with recovery lines
in the next payroll run (`benefits.receivers.end_for_death`). Social assistance records what is
to be recovered, as for fraud: one `Recovery` per entitlement of an assistance scheme (cause
"death", recorded by the system), so the recoveries list and the household file show it and
staff can follow it up with the family. Household benefits (低保) are not recovered: they go on
for the household (see `payee.handle_payee_death`).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from minzheng.benefits.models import Entitlement, Scheme
from minzheng.core.months import Month
from minzheng.registry.models import Person

from ..models import Recovery
from ..programs import SCHEME_CODES
from .reviews import paid_from_each, record_recovery


@transaction.atomic
def record_death_recoveries(person: Person, death_date: date) -> list[Recovery]:
    """One `Recovery` per assistance entitlement of the person that was paid for months after the
    month of death (nothing when none was). Run once per registered death (receivers.py)."""
    after = Month.of(death_date) + 1
    entitlements = Entitlement.objects.filter(
        person=person,
        scheme__unit=Scheme.Unit.PERSON,
        scheme__code__in=SCHEME_CODES,
        recurring=True,
    ).select_related("scheme", "person", "region")
    entitlements = list(entitlements)
    paid_each = paid_from_each([e.pk for e in entitlements], after)
    recoveries = []
    for entitlement in entitlements:
        paid = paid_each.get(entitlement.pk)
        if paid and paid["amount"] > 0:
            reason = f"{death_date:%Y-%m-%d}死亡，{after}起已发放的{entitlement.scheme.name}应予追回"
            recoveries.append(
                record_recovery(
                    entitlement, cause=Recovery.Cause.DEATH, reason=reason, start=after, paid=paid, actor=None
                )
            )
    return recoveries
