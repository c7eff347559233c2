"""Life events published by the register. Domain apps connect receivers in AppConfig.ready().

Each event is sent after the transaction that caused it commits, so a receiver never sees a
change that was rolled back. Keyword arguments:
- person_died: person, death_date, actor
- household_changed: household, change ("created", "member_added", "member_removed", "moved",
  "member_died"), person (or None), actor
- person_moved: person, from_region, to_region, actor
"""

from django.db import transaction
from django.dispatch import Signal

person_died = Signal()
household_changed = Signal()
person_moved = Signal()


def publish(signal: Signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=signal, **kwargs))
