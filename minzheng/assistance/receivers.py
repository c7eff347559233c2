"""Life-event subscriptions of social assistance (registry events → assistance services).

Events are sent after the transaction that recorded them commits (`registry.events.publish`), so
these receivers never act on a death that was rolled back.
"""

from django.dispatch import receiver

from minzheng.registry import events

from .services.deaths import record_death_recoveries
from .services.payee import handle_payee_death


@receiver(events.person_died, dispatch_uid="assistance.payee_died")
def on_person_died(sender, *, person, death_date, **kwargs):
    """A household benefit paid to the deceased: suspend if no adult is left, open a payee review.
    The deceased's own allowances paid for months after the death: recorded for recovery."""
    handle_payee_death(person, death_date)
    record_death_recoveries(person, death_date)
