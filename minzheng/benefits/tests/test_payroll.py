"""Building, rebuilding and approving monthly runs; arrears and recoveries as lines of their own."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from minzheng.benefits.models import PaymentLine, PayrollRun, Standard
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run, totals_by_town
from minzheng.benefits.services import end_entitlement_retroactively, grant_entitlement, set_standard
from minzheng.core.months import Month
from minzheng.registry.services import record_death


def run_month(scheme, month, cast, approve=True):
    run = get_or_create_run(scheme, month, actor=cast.users.finance)
    build_run(run, actor=cast.users.finance)
    if approve:
        approve_run(run, actor=cast.users.district)
    run.refresh_from_db()
    return run


def lines(run):
    return sorted((x.entitlement_id, x.month, x.kind, x.amount, x.status) for x in run.lines.all())


def test_build_pays_each_entitlement_once_and_holds_missing_accounts(cast, schemes):
    wang = cast.hh_sq2.head  # no bank account
    for person in (cast.zhang, cast.zhao, wang):
        grant_entitlement(
            actor=cast.users.district, scheme=schemes.nursing, person=person, start_month=Month(2018, 1)
        )
    run = run_month(schemes.nursing, Month(2018, 1), cast, approve=False)
    assert run.line_count == 3 and run.total_amount == Decimal("600.00")
    statuses = {x.person.name: x.status for x in run.lines.select_related("person")}
    assert statuses == {"张三明": "pending", "赵六": "pending", "王五": "held"}
    towns = {row["town"]: (row["lines"], row["total"]) for row in totals_by_town(run)}
    assert towns == {"市桥街道": (2, Decimal("400.00")), "沙头街道": (1, Decimal("200.00"))}


def test_rebuilding_a_draft_changes_nothing(cast, schemes):
    grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhang, start_month=Month(2018, 1)
    )
    run = run_month(schemes.nursing, Month(2018, 2), cast, approve=False)
    before = lines(run)
    build_run(run, actor=cast.users.finance)
    assert lines(run) == before and PaymentLine.objects.count() == 1


def test_the_database_refuses_a_second_regular_payment_for_a_month(cast, schemes):
    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhang, start_month=Month(2018, 1)
    )
    run = run_month(schemes.nursing, Month(2018, 1), cast)
    other = PayrollRun.objects.create(scheme=schemes.dibao, month=date(2018, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            run=other,
            scheme=ent.scheme,
            entitlement=ent,
            person=cast.zhang,
            region=cast.village_sq,
            month=date(2018, 1, 1),
            amount=Decimal("200"),
        )
    assert run.lines.count() == 1


def test_the_author_cannot_approve_their_own_run(cast, schemes):
    grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhang, start_month=Month(2018, 1)
    )
    run = run_month(schemes.nursing, Month(2018, 1), cast, approve=False)
    with pytest.raises(ValidationError) as err:
        approve_run(run, actor=cast.users.finance)
    assert "编制人" in err.value.message_dict["approved_by"][0]
    approve_run(run, actor=cast.users.district)
    run.refresh_from_db()
    assert run.status == PayrollRun.Status.APPROVED
    with pytest.raises(ValidationError):
        build_run(run, actor=cast.users.finance)


def test_a_retroactive_rise_pays_arrears_as_lines_of_their_own(cast, schemes):
    ent = grant_entitlement(
        actor=cast.users.district,
        scheme=schemes.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    paid = [run_month(schemes.dibao, Month(2018, m), cast) for m in range(1, 6)]
    assert all(r.total_amount == Decimal("1590.00") for r in paid)
    # in June the standard is raised to 950 from April
    set_standard(
        actor=cast.users.district,
        scheme=schemes.dibao,
        region=cast.district,
        valid_from=Month(2018, 4),
        amount=Decimal("950"),
        document="番民〔2018〕50号",
        params=Standard.objects.get(scheme=schemes.dibao, valid_to__isnull=True).params,
    )
    june = run_month(schemes.dibao, Month(2018, 6), cast)
    # 950×3 − 1200 + 95 = 1745 for June; April and May each owe 1745 − 1590 = 155 more
    assert lines(june) == [
        (ent.pk, date(2018, 4, 1), "arrears", Decimal("155.00"), "pending"),
        (ent.pk, date(2018, 5, 1), "arrears", Decimal("155.00"), "pending"),
        (ent.pk, date(2018, 6, 1), "regular", Decimal("1745.00"), "pending"),
    ]
    assert june.total_amount == Decimal("2055.00")
    assert all(r.lines.get().amount == Decimal("1590.00") for r in paid)  # paid lines never edited
    july = run_month(schemes.dibao, Month(2018, 7), cast)
    assert lines(july) == [(ent.pk, date(2018, 7, 1), "regular", Decimal("1745.00"), "pending")]


def test_death_mid_month_recovers_later_payments(cast, schemes, django_capture_on_commit_callbacks):
    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhao, start_month=Month(2018, 1)
    )
    for m in range(1, 5):
        run_month(schemes.nursing, Month(2018, m), cast)
    with django_capture_on_commit_callbacks(execute=True):
        record_death(cast.zhao, actor=cast.users.district, death_date=date(2018, 2, 15))
    ent.refresh_from_db()
    assert ent.status == "ended" and ent.end_month == date(2018, 2, 1)
    may = run_month(schemes.nursing, Month(2018, 5), cast)
    # February (the month of death) stays paid; March and April are recovered; nothing for May
    assert lines(may) == [
        (ent.pk, date(2018, 3, 1), "recovery", Decimal("-200.00"), "pending"),
        (ent.pk, date(2018, 4, 1), "recovery", Decimal("-200.00"), "pending"),
    ]
    june = run_month(schemes.nursing, Month(2018, 6), cast)
    assert june.line_count == 0  # settled: nothing recovered twice


def test_suspension_stops_payment_and_resumption_restarts_it(cast, schemes):
    from minzheng.benefits.services import resume_entitlement, suspend_entitlement

    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhang, start_month=Month(2018, 1)
    )
    suspend_entitlement(ent, actor=cast.users.district, from_month=Month(2018, 3), reason="复核期间")
    assert run_month(schemes.nursing, Month(2018, 3), cast).line_count == 0
    with pytest.raises(ValidationError):
        suspend_entitlement(ent, actor=cast.users.district, from_month=Month(2018, 3), reason="再次")
    resume_entitlement(ent, actor=cast.users.district, from_month=Month(2018, 4), reason="复核通过")
    april = run_month(schemes.nursing, Month(2018, 4), cast)
    assert lines(april) == [(ent.pk, date(2018, 4, 1), "regular", Decimal("200.00"), "pending")]


def raise_nursing_standard_from(cast, schemes, month: Month, region) -> None:
    """A village standard of 260 from `month` (the district's 200 stays for the others)."""
    set_standard(
        actor=cast.users.district,
        scheme=schemes.nursing,
        region=region,
        valid_from=month,
        amount=Decimal("260"),
        document="穗民〔2018〕30号",
    )


def test_fraud_from_the_first_month_is_recovered_whole_and_never_owed_again(cast, schemes):
    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhang, start_month=Month(2018, 2)
    )
    for m in range(2, 5):
        run_month(schemes.nursing, Month(2018, m), cast)
    ent = end_entitlement_retroactively(
        ent, actor=cast.users.district, from_month=Month(2018, 1), reason="虚报残疾等级"
    )
    assert ent.revoked and ent.status == "ended" and ent.end_month == date(2018, 2, 1)
    may = run_month(schemes.nursing, Month(2018, 5), cast)
    assert lines(may) == [
        (ent.pk, date(2018, m, 1), "recovery", Decimal("-200.00"), "pending") for m in (2, 3, 4)
    ]
    # a later retroactive rise covering the first month gives the revoked entitlement nothing
    raise_nursing_standard_from(cast, schemes, Month(2018, 1), ent.region)
    ent.refresh_from_db()
    assert not ent.periods.exists()
    assert run_month(schemes.nursing, Month(2018, 6), cast).line_count == 0


def test_fraud_from_a_later_month_keeps_the_months_before_it(cast, schemes):
    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhang, start_month=Month(2018, 2)
    )
    for m in range(2, 5):
        run_month(schemes.nursing, Month(2018, m), cast)
    ent = end_entitlement_retroactively(
        ent, actor=cast.users.district, from_month=Month(2018, 3), reason="隐瞒收入"
    )
    assert not ent.revoked and ent.end_month == date(2018, 2, 1)
    raise_nursing_standard_from(cast, schemes, Month(2018, 1), ent.region)
    may = run_month(schemes.nursing, Month(2018, 5), cast)
    # February stays owed, now at 260 (60 in arrears); March and April are recovered
    assert lines(may) == [
        (ent.pk, date(2018, 2, 1), "arrears", Decimal("60.00"), "pending"),
        (ent.pk, date(2018, 3, 1), "recovery", Decimal("-200.00"), "pending"),
        (ent.pk, date(2018, 4, 1), "recovery", Decimal("-200.00"), "pending"),
    ]


def test_a_death_registered_late_revokes_an_entitlement_that_was_to_start_after_it(
    cast, schemes, django_capture_on_commit_callbacks
):
    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhao, start_month=Month(2018, 3)
    )
    run_month(schemes.nursing, Month(2018, 3), cast)
    with django_capture_on_commit_callbacks(execute=True):
        record_death(cast.zhao, actor=cast.users.district, death_date=date(2018, 1, 20))
    ent.refresh_from_db()
    assert ent.revoked and ent.status == "ended" and ent.end_month == date(2018, 3, 1)
    april = run_month(schemes.nursing, Month(2018, 4), cast)
    assert lines(april) == [(ent.pk, date(2018, 3, 1), "recovery", Decimal("-200.00"), "pending")]
