"""Reads over the payroll: money and head-counts per scheme, period and region, set-based.

The figures every program reports about what it paid are defined here once (the indicators in
`benefits.indicators`, and the program apps' own, call these):

- **Counted runs.** Only runs that were approved (approved, exported or reconciled) count;
  lines of draft runs never do, since a draft may still be rebuilt.
- **Period.** A line belongs to the month of the run that carries it (the month the money is
  paid in). Regular lines are always for that month; arrears, recoveries and re-issues count in
  the month of the run that pays them, so a figure once reported does not change when a later
  run corrects an earlier month.
- **Paid amount** (`paid_amount`): the sum of the lines whose status is `paid` or `pending`, in
  yuan, exactly. `pending` counts: in an approved or exported run it is money released for
  payment that the bank has not returned as failed (reconciling turns it into `paid` or
  `failed`). `failed` and `held` lines do not count; their money is paid, if at all, by a
  re-issue line in a later run, which counts then. Recovery lines are negative and reduce it.
- **Recipients** (`recipients`): distinct persons with a regular line; **person-times**
  (`person_times`): regular lines, so a person on two schemes, or paid in three months of the
  period, counts two, or three, times. Head-counts take every regular line of a counted run,
  whatever its payment status: they count who was on the approved roll.
- **Region.** Lines whose region (the entitlement's 村居) lies in the region node's subtree.

`scheme_codes` is a list of scheme codes (or one code); None means every scheme. `period` is
anything with `start` and `end` dates (`stats.registry.Period`) or a `Month`. `region` is a
`Region` node or None (everywhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from minzheng.core.months import Month
from minzheng.registry.models import Person, Region

from .models import PaymentLine, PayrollRun

COUNTED_RUNS = (PayrollRun.Status.APPROVED, PayrollRun.Status.EXPORTED, PayrollRun.Status.RECONCILED)
PAID_STATUSES = (PaymentLine.Status.PAID, PaymentLine.Status.PENDING)

SchemeCodes = str | Iterable[str] | None


def _months(period) -> tuple[date, date]:
    """The first and last day of the period (runs are dated on the first day of their month)."""
    if isinstance(period, Month):
        return period.first_day, period.first_day
    return period.start, period.end


def counted_runs(scheme_codes: SchemeCodes, period) -> QuerySet[PayrollRun]:
    """Approved (or exported, or reconciled) runs of the schemes whose month lies in the period."""
    first, last = _months(period)
    runs = PayrollRun.objects.filter(status__in=COUNTED_RUNS, month__gte=first, month__lte=last)
    if scheme_codes is not None:
        codes = [scheme_codes] if isinstance(scheme_codes, str) else list(scheme_codes)
        runs = runs.filter(scheme__code__in=codes)
    return runs


def has_counted_runs(scheme_codes: SchemeCodes, period) -> bool:
    """Whether the platform paid these schemes in the period at all (else figures are unknown)."""
    return counted_runs(scheme_codes, period).exists()


def counted_lines(scheme_codes: SchemeCodes, period, region: Region | None = None) -> QuerySet[PaymentLine]:
    """The lines of the counted runs, in the region's subtree."""
    lines = PaymentLine.objects.filter(run__in=counted_runs(scheme_codes, period).values("id"))
    if region is not None and region.parent_id is not None:  # the root holds every line
        lines = lines.filter(region_id__in=Region.objects.filter(path__startswith=region.path).values("id"))
    return lines


def paid_lines(scheme_codes: SchemeCodes, period, region: Region | None = None) -> QuerySet[PaymentLine]:
    return counted_lines(scheme_codes, period, region).filter(status__in=PAID_STATUSES)


def regular_lines(scheme_codes: SchemeCodes, period, region: Region | None = None) -> QuerySet[PaymentLine]:
    return counted_lines(scheme_codes, period, region).filter(kind=PaymentLine.Kind.REGULAR)


def paid_amount(scheme_codes: SchemeCodes, period, region: Region | None = None) -> Decimal:
    """Money paid, in yuan (exact; reports convert to 万元 once)."""
    total = paid_lines(scheme_codes, period, region).aggregate(total=Sum("amount"))["total"]
    return Decimal(total or 0).quantize(Decimal("0.01"))


def recipients(scheme_codes: SchemeCodes, period, region: Region | None = None) -> int:
    """Distinct persons with a regular line."""
    return regular_lines(scheme_codes, period, region).values("person_id").distinct().count()


def recipient_persons(scheme_codes: SchemeCodes, period, region: Region | None = None) -> QuerySet[Person]:
    """The persons `recipients` counts (for drill-down lists)."""
    return Person.objects.filter(pk__in=regular_lines(scheme_codes, period, region).values("person_id"))


def person_times(scheme_codes: SchemeCodes, period, region: Region | None = None) -> int:
    """Regular lines: one per person, scheme and month paid."""
    return regular_lines(scheme_codes, period, region).count()
