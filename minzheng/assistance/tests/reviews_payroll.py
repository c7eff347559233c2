"""Shared by the review tests: grant through the engine and pay months through real payroll runs
(built by finance, approved by the district office: the builder and the approver differ)."""

from decimal import Decimal

from minzheng.benefits.models import PaymentLine
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import grant_entitlement, set_bank_account
from minzheng.core.months import Month, month_range


def with_account(cast, person, number="6222020200112233445"):
    set_bank_account(
        actor=cast.users.district,
        person=person,
        bank_name="测试银行",
        account_name=person.name,
        account_number=number,
    )
    return person


JANUARY = Month(2018, 1)


def grant_dibao(cast, programs, *, household=None, income="1200", start=JANUARY):
    household = household or cast.hh_sq
    with_account(cast, household.head)
    return grant_entitlement(
        actor=cast.users.district,
        scheme=programs.dibao,
        person=household.head,
        household=household,
        start_month=start,
        assessed_income=Decimal(income),
    )


def pay(cast, scheme, first: Month, last: Month | None = None):
    """Build and approve the runs of `first`..`last`; return the last run."""
    run = None
    for month in month_range(first, last or first):
        run = get_or_create_run(scheme, month, actor=cast.users.finance)
        build_run(run, actor=cast.users.finance)
        run = approve_run(run, actor=cast.users.district)
    return run


def lines_of(entitlement, month: Month | None = None):
    """(month 'YYYY-MM', kind, amount) of the entitlement's lines, by run month then line month."""
    qs = PaymentLine.objects.filter(entitlement=entitlement)
    if month is not None:
        qs = qs.filter(run__month=month.first_day)
    return [
        (f"{m:%Y-%m}", kind, amount)
        for m, kind, amount in qs.order_by("run__month", "month", "kind").values_list(
            "month", "kind", "amount"
        )
    ]
