"""Monthly payroll: building a run is a few set-based statements, never a loop over recipients.

1. The run's old lines are removed (a draft can be rebuilt any number of times).
2. Regular lines: one `INSERT … SELECT` per range of entitlement ids from what each entitlement
   owes that month (`AmountPeriod`). `PaymentLine` has a partial unique index on
   (entitlement, month) for regular lines and the statement says `ON CONFLICT DO NOTHING`, so a
   month can never be paid twice, and a build that crashed half-way is completed by running it
   again. Lines of people without a bank account are `held`.
3. Re-issues: failed or held lines of earlier runs whose account has since been corrected.
4. Arrears and recoveries for entitlements flagged by a retroactive change or a death: owed (from
   the amount periods) minus what earlier runs paid, per month, as lines of their own.
5. Totals.

On PostgreSQL a session advisory lock keeps a second build of the same run out (the loser is
told so); it is released by the database if the process dies.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.audit import write_audit
from minzheng.core.months import Month, month_range

from . import partitions
from .models import AmountPeriod, Entitlement, PaymentLine, PayrollRun, Scheme

CHUNK = 25_000
LOCK_NAMESPACE = 7270


class PayrollBusy(Exception):
    """Another process is building this run right now."""

    code = "conflict"
    status_code = 409


def get_or_create_run(scheme: Scheme, month: Month, *, actor) -> PayrollRun:
    if not has_capability(actor, Capability.PAYROLL_BUILD):
        raise PermissionDenied("您的角色不能编制发放批次")
    if not scheme.is_active:
        raise ValidationError({"scheme": f"“{scheme.name}”已停用"})
    run, _ = PayrollRun.objects.get_or_create(scheme=scheme, month=month.first_day)
    return run


def build_run(run: PayrollRun, *, actor, progress=None) -> PayrollRun:
    """Build (or rebuild) a draft run. Idempotent; safe to re-run after a crash."""
    progress = progress or (lambda percent, message="": None)
    if not has_capability(actor, Capability.PAYROLL_BUILD):
        raise PermissionDenied("您的角色不能编制发放批次")
    with _build_lock(run):
        month = Month.of(run.month)
        started = timezone.now()
        progress(1, f"编制 {run.scheme.name} {month} 发放批次")
        with transaction.atomic():
            # the row lock keeps an approval from slipping in between this check and the rebuild
            PayrollRun.objects.select_for_update().only("pk").get(pk=run.pk)
            run.refresh_from_db()
            if run.status != PayrollRun.Status.DRAFT:
                raise ValidationError({"status": f"发放批次状态为“{run.get_status_display()}”，不能重新编制"})
            # a re-issue carries its line's scheme: only this scheme's partitions are searched
            if PaymentLine.objects.filter(
                scheme_id=run.scheme_id, reissue_of__isnull=False, reissue_of__run=run
            ).exists():
                raise ValidationError({"status": "本批次的部分明细已在其他批次重发，不能重新编制"})
            # the month's partition of a draft holds its lines only: dropped whole (PostgreSQL)
            partitions.drop_run_month(run.pk, run.scheme_id, month)
            with connection.cursor() as cursor:  # one statement: no line is loaded into Python
                cursor.execute("DELETE FROM benefits_paymentline WHERE run_id = %s", [run.pk])
            # built_at stays empty until the build completes, so a run whose build is under way
            # or crashed half-way cannot be approved (approve_run requires built_at)
            PayrollRun.objects.filter(pk=run.pk).update(
                built_by=actor, built_at=None, line_count=0, total_amount=0
            )
        _insert_regular_lines(run, month, progress)
        progress(85, "处理账户更正后的重发")
        _insert_reissues(run, started)
        progress(90, "计算补发与追回")
        _insert_adjustments(run, month)
        with transaction.atomic():
            totals = PaymentLine.objects.filter(run=run).aggregate(count=Count("id"), total=Sum("amount"))
            PayrollRun.objects.filter(pk=run.pk).update(
                line_count=totals["count"], total_amount=totals["total"] or Decimal("0"), built_at=started
            )
            run.refresh_from_db()
            write_audit(
                actor=actor,
                action="build_payroll",
                obj=run,
                changes={"lines": run.line_count, "total": run.total_amount},
            )
        progress(100, f"共 {run.line_count} 笔，合计 {run.total_amount} 元")
    return run


class _build_lock:
    def __init__(self, run: PayrollRun):
        self.run = run
        self.postgres = connection.vendor == "postgresql"

    def __enter__(self):
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, self.run.pk])
                if not cursor.fetchone()[0]:
                    raise PayrollBusy(f"{self.run}正由其他进程编制，请稍后刷新查看结果")
        return self

    def __exit__(self, *exc):
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, self.run.pk])
        return False


REGULAR_SELECT = """
INSERT INTO {table}
    (run_id, scheme_id, entitlement_id, person_id, region_id, month, kind, amount, status, failure_reason)
SELECT %s, e.scheme_id, e.id, e.person_id, e.region_id, %s, 'regular', a.amount,
       CASE WHEN ba.id IS NULL THEN 'held' ELSE 'pending' END, ''
FROM benefits_entitlement e
JOIN benefits_amountperiod a
  ON a.entitlement_id = e.id AND a.from_month <= %s AND (a.to_month IS NULL OR a.to_month >= %s)
LEFT JOIN benefits_bankaccount ba ON ba.person_id = e.person_id
WHERE e.scheme_id = %s AND e.id >= %s AND e.id < %s
  AND a.entitlement_id >= %s AND a.entitlement_id < %s
  AND e.start_month <= %s AND (e.end_month IS NULL OR e.end_month >= %s)
  AND e.status <> 'suspended' AND a.amount > 0
"""
REGULAR_SQL = REGULAR_SELECT.replace("{table}", "benefits_paymentline") + "ON CONFLICT DO NOTHING\n"


def _insert_regular_lines(run: PayrollRun, month: Month, progress) -> None:
    day = month.first_day
    bounds = Entitlement.objects.filter(scheme_id=run.scheme_id).aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    low, high = bounds["low"], bounds["high"] + 1
    # the id range is repeated on the amount periods so that each chunk reads only its own
    # periods (an index range), not the whole table
    chunks = [
        (start, end, [run.pk, day, day, day, run.scheme_id, start, end, start, end, day, day])
        for start in range(low, high, CHUNK)
        for end in [min(start + CHUNK, high)]
    ]

    def report(done: int) -> None:
        progress(1 + int(83 * done / len(chunks)), f"已处理资格 {done}/{len(chunks)} 段")

    if partitions.can_load_bare(run.scheme_id, month):
        partitions.load_bare(run.pk, run.scheme_id, month, REGULAR_SELECT, chunks, report)
        return
    for done, (_, _, params) in enumerate(chunks, start=1):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(REGULAR_SQL, params)
        report(done)


REISSUE_SQL = """
INSERT INTO benefits_paymentline
    (run_id, scheme_id, entitlement_id, person_id, region_id, month, kind, amount, status, failure_reason,
     reissue_of_id)
SELECT %s, l.scheme_id, l.entitlement_id, l.person_id, l.region_id, l.month, 'reissue', l.amount, 'pending', '',
       l.id
FROM benefits_paymentline l
JOIN benefits_payrollrun r ON r.id = l.run_id
JOIN benefits_bankaccount ba ON ba.person_id = l.person_id
WHERE r.scheme_id = %s AND r.id <> %s AND l.status IN ('failed', 'held') AND l.amount > 0
  AND ba.updated_at > COALESCE(r.reconciled_at, r.built_at) AND ba.updated_at <= %s
  AND NOT EXISTS (SELECT 1 FROM benefits_paymentline x WHERE x.reissue_of_id = l.id)
ON CONFLICT DO NOTHING
"""


def _insert_reissues(run: PayrollRun, started) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(REISSUE_SQL, [run.pk, run.scheme_id, run.pk, started])


def _insert_adjustments(run: PayrollRun, month: Month) -> None:
    """Owed minus paid, per past month, for the entitlements flagged for adjustment."""
    flagged = list(
        Entitlement.objects.filter(
            scheme_id=run.scheme_id, adjust_from__isnull=False, adjust_from__lt=month.first_day
        ).values("id", "person_id", "region_id", "adjust_from")
    )
    if not flagged:
        return
    ids = [row["id"] for row in flagged]
    periods = defaultdict(list)
    for p in AmountPeriod.objects.filter(entitlement_id__in=ids).values(
        "entitlement_id", "from_month", "to_month", "amount"
    ):
        periods[p["entitlement_id"]].append(p)
    paid = defaultdict(Decimal)
    settled = (
        PaymentLine.objects.filter(entitlement_id__in=ids)
        .exclude(run=run)
        .exclude(Q(status__in=["failed", "held"]) & Q(reissued_by__isnull=False))
        .values("entitlement_id", "month")
        .annotate(total=Sum("amount"))
    )
    for row in settled:
        paid[(row["entitlement_id"], row["month"])] += row["total"]
    lines = []
    accounts = set(
        Entitlement.objects.filter(pk__in=ids, person__bank_account__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for row in flagged:
        for m in month_range(Month.of(row["adjust_from"]), month - 1):
            owed = _owed(periods[row["id"]], m)
            diff = owed - paid[(row["id"], m.first_day)]
            if diff == 0:
                continue
            lines.append(
                PaymentLine(
                    run=run,
                    scheme_id=run.scheme_id,
                    entitlement_id=row["id"],
                    person_id=row["person_id"],
                    region_id=row["region_id"],
                    month=m.first_day,
                    kind=PaymentLine.Kind.ARREARS if diff > 0 else PaymentLine.Kind.RECOVERY,
                    amount=diff,
                    status=PaymentLine.Status.PENDING
                    if row["id"] in accounts or diff < 0
                    else PaymentLine.Status.HELD,
                )
            )
    with transaction.atomic():
        PaymentLine.objects.bulk_create(lines, batch_size=2000)


def _owed(periods: list[dict], month: Month) -> Decimal:
    day = month.first_day
    for p in periods:
        if p["from_month"] <= day and (p["to_month"] is None or p["to_month"] >= day):
            return p["amount"]
    return Decimal("0.00")


@transaction.atomic
def approve_run(run: PayrollRun, *, actor, opinion: str = "") -> PayrollRun:
    """Four eyes: the approver must not be the person who built the run."""
    if not has_capability(actor, Capability.PAYROLL_APPROVE):
        raise PermissionDenied("您的角色不能审批发放批次")
    run = PayrollRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PayrollRun.Status.DRAFT:
        raise ValidationError({"status": f"发放批次状态为“{run.get_status_display()}”，不能再审批"})
    if run.built_at is None:
        raise ValidationError({"status": "发放批次尚未编制"})
    if run.built_by_id == actor.pk:
        raise ValidationError({"approved_by": "审批人不能是编制人本人（双人复核）"})
    now = timezone.now()
    updated = PayrollRun.objects.filter(pk=run.pk, status=PayrollRun.Status.DRAFT).update(
        status=PayrollRun.Status.APPROVED, approved_by=actor, approved_at=now
    )
    if not updated:
        raise ValidationError({"status": "发放批次已被他人处理，请刷新"})
    # corrections computed in this run are settled; flags set after it was built stay
    Entitlement.objects.filter(
        scheme_id=run.scheme_id, adjust_from__lt=run.month, adjust_marked_at__lte=run.built_at
    ).update(adjust_from=None, adjust_marked_at=None)
    run.refresh_from_db()
    write_audit(
        actor=actor,
        action="approve_payroll",
        obj=run,
        changes={"lines": run.line_count, "total": run.total_amount, "opinion": opinion},
    )
    return run


def totals_by_town(run: PayrollRun) -> list[dict]:
    """Lines, people and money per 镇街 (one GROUP BY)."""
    rows = (
        PaymentLine.objects.filter(run=run)
        .values("region__parent__code", "region__parent__name")
        .annotate(lines=Count("id"), people=Count("person", distinct=True), total=Sum("amount"))
        .order_by("region__parent__code")
    )
    return [
        {
            "code": r["region__parent__code"],
            "town": r["region__parent__name"],
            "lines": r["lines"],
            "people": r["people"],
            "total": r["total"] or Decimal("0"),
        }
        for r in rows
    ]
