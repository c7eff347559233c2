"""Recalculation: what entitlements owe from a month on, rewritten as amount periods.

Done in batches: one `Context` load per batch (a fixed number of queries), the schedules computed
in Python, and the new amount periods written with one bulk insert. Months already paid are
flagged (`adjust_from`) so the next payroll run pays arrears or recovers the difference.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.core.datasets import insert_values
from minzheng.core.months import Month

from .calculations import Context, schedule
from .models import AmountPeriod, Entitlement, PaymentLine

BATCH = 2000


def current_month() -> Month:
    return Month.of(timezone.localdate())


def recalculate(entitlements, *, from_month: Month, reason: str) -> int:
    """Rewrite what the entitlements owe from `from_month` on; flag months already paid for
    arrears or recovery in the next payroll run. Returns the number recalculated."""
    ids = list(entitlements.order_by("pk").values_list("pk", flat=True))
    today = current_month()
    for start in range(0, len(ids), BATCH):
        chunk = list(Entitlement.objects.filter(pk__in=ids[start : start + BATCH]).order_by("pk"))
        with transaction.atomic():
            _recalculate_chunk(chunk, from_month, today, reason)
    return len(ids)


def _recalculate_chunk(chunk: list[Entitlement], from_month: Month, today: Month, reason: str) -> None:
    ctx = Context(chunk)
    ids = [e.pk for e in chunk]
    cut = from_month.first_day
    AmountPeriod.objects.filter(entitlement_id__in=ids, from_month__gte=cut).delete()
    AmountPeriod.objects.filter(entitlement_id__in=ids, from_month__lt=cut).filter(
        Q(to_month__isnull=True) | Q(to_month__gte=cut)
    ).update(to_month=(from_month - 1).first_day)
    periods, changed = [], []
    now = timezone.now()
    for entitlement in chunk:
        segments = (
            schedule(entitlement, from_month, ctx)
            if entitlement.status != Entitlement.Status.SUSPENDED
            else []
        )
        for segment in segments:
            periods.append(
                {
                    "entitlement_id": entitlement.pk,
                    "from_month": segment.start.first_day,
                    "to_month": segment.end.first_day if segment.end else None,
                    "amount": segment.amount,
                    "trace": {**segment.trace, "reason": reason},
                }
            )
        chosen = _current_segment(entitlement, segments, today)
        if chosen is not None:
            entitlement.monthly_amount, entitlement.trace = chosen.amount, {**chosen.trace, "reason": reason}
            entitlement.updated_at = now
            changed.append(entitlement)
    insert_values(AmountPeriod, periods)
    _write_current_amounts(changed)
    paid_after = set(
        PaymentLine.objects.filter(entitlement_id__in=ids, month__gte=cut).values_list(
            "entitlement_id", flat=True
        )
    )
    if paid_after:
        flag_adjustment(paid_after, from_month)


def _write_current_amounts(changed: list[Entitlement]) -> None:
    """Store the entitlements' current amount and trace: one prepared UPDATE run for all of them
    (`executemany`), not `bulk_update`, whose CASE WHEN over thousands of rows costs more to
    build than to run. Values are prepared by the fields themselves (jsonb on PostgreSQL)."""
    if not changed:
        return
    meta = Entitlement._meta
    amount, trace, updated = (meta.get_field(name) for name in ("monthly_amount", "trace", "updated_at"))
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote(amount.column)} = %s, {quote(trace.column)} = %s, "  # noqa: S608
        f"{quote(updated.column)} = %s WHERE {quote(meta.pk.column)} = %s"
    )
    stamp = updated.get_db_prep_save(changed[0].updated_at, connection)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (
                    amount.get_db_prep_save(e.monthly_amount, connection),
                    trace.get_db_prep_save(e.trace, connection),
                    stamp,
                    e.pk,
                )
                for e in changed
            ],
        )


def flag_adjustment(entitlement_ids, from_month: Month) -> None:
    """Months from `from_month` that were already paid are re-checked in the next payroll run."""
    now = timezone.now()
    Entitlement.objects.filter(pk__in=entitlement_ids).filter(
        Q(adjust_from__isnull=True) | Q(adjust_from__gt=from_month.first_day)
    ).update(adjust_from=from_month.first_day, adjust_marked_at=now)
    Entitlement.objects.filter(pk__in=entitlement_ids, adjust_from__lte=from_month.first_day).update(
        adjust_marked_at=now
    )


def _current_segment(entitlement: Entitlement, segments, today: Month):
    """The segment that sets the entitlement's current monthly amount: the one covering this month
    (clamped to the entitlement's months), or None to keep an earlier period's amount."""
    if not segments:
        return None
    target = max(today, Month.of(entitlement.start_month))
    if entitlement.end_month:
        target = min(target, Month.of(entitlement.end_month))
    if target < segments[0].start:
        return segments[0] if not entitlement.trace else None
    return _covering(segments, target) or segments[-1]


def _covering(segments, month: Month):
    for segment in segments:
        if segment.start <= month and (segment.end is None or month <= segment.end):
            return segment
    return None
