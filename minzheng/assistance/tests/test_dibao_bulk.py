"""The batch writes the demo uses (`benefits.bulk`): the one-record services' rules, for many rows."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minzheng.benefits import payroll
from minzheng.benefits.bulk import Account, Grant, end_entitlements, grant_entitlements, set_bank_accounts
from minzheng.benefits.models import BankAccount, Entitlement
from minzheng.benefits.services import grant_entitlement
from minzheng.core.models import AuditLog
from minzheng.core.months import Month
from minzheng.registry.models import Person
from minzheng.registry.services import record_death


def test_a_batch_owes_what_single_grants_owe(cast, programs):
    officer = cast.users.district
    wang = Person.objects.get(name="王五")
    made = grant_entitlements(
        actor=officer,
        scheme=programs.dibao,
        grants=[
            Grant(
                person=cast.zhang,
                household=cast.hh_sq,
                start_month=Month(2018, 1),
                assessed_income=Decimal("1200"),
            ),
            Grant(person=wang, household=cast.hh_sq2, start_month=Month(2018, 3)),
        ],
    )
    first = [e.periods.order_by("from_month").first() for e in made]
    # 2700 − 1200 + 90 (a minor); 900 + 180 (aged 70): what the one-record service computes
    assert [p.amount for p in first] == [Decimal("1590.00"), Decimal("1080.00")]
    assert [p.from_month for p in first] == [date(2018, 1, 1), date(2018, 3, 1)]
    assert made[1].start_month == date(2018, 3, 1) and made[0].region == cast.village_sq
    assert made[1].periods.count() == 1  # nothing changes for 王五 after March
    assert made[0].periods.filter(from_month=date(2020, 5, 1)).exists()  # 张三明 turns 60: elderly supplement
    assert AuditLog.objects.filter(action="grant", object_id__in=[str(e.pk) for e in made]).count() == 2
    single = grant_entitlement(
        actor=officer,
        scheme=programs.dibao,
        person=cast.zhao,
        household=cast.hh_st,
        start_month=Month(2018, 1),
    )
    assert single.periods.order_by("from_month").first().amount == Decimal("900.00")


def test_a_batch_with_a_bad_row_is_refused_whole_with_every_reason(cast, programs):
    officer = cast.users.district
    wang = Person.objects.get(name="王五")
    grant_entitlement(
        actor=officer, scheme=programs.dibao, person=wang, household=cast.hh_sq2, start_month=Month(2018, 1)
    )
    record_death(cast.zhao, actor=cast.users.admin, death_date=date(2018, 2, 10))
    with pytest.raises(ValidationError) as err:
        grant_entitlements(
            actor=officer,
            scheme=programs.tekun,
            grants=[
                Grant(person=cast.zhang, start_month=Month(2018, 1)),
                Grant(person=wang, start_month=Month(2018, 1)),
                Grant(person=cast.zhao, start_month=Month(2018, 5)),
                Grant(person=cast.zhang, start_month=Month(2018, 2)),
            ],
        )
    messages = err.value.message_dict["grants"]
    assert any(m.startswith("第2行：王五正在享受“最低生活保障”") for m in messages)
    assert any(m.startswith("第3行：赵六已于2018-02-10死亡") for m in messages)
    assert "第4行：张三明与第1行重复" in messages
    assert not Entitlement.objects.filter(scheme=programs.tekun).exists()


def test_a_household_scheme_needs_the_household_and_the_role_must_allow(cast, programs):
    with pytest.raises(ValidationError) as err:
        grant_entitlements(
            actor=cast.users.district,
            scheme=programs.dibao,
            grants=[Grant(person=cast.zhang, start_month=Month(2018, 1))],
        )
    assert "按户发放" in err.value.message_dict["grants"][0]
    with pytest.raises(PermissionDenied):
        grant_entitlements(
            actor=cast.users.town,
            scheme=programs.living_subsidy,
            grants=[Grant(person=cast.zhang, start_month=Month(2018, 1))],
        )


def test_a_second_open_entitlement_is_refused(cast, programs):
    grant_entitlement(
        actor=cast.users.district,
        scheme=programs.living_subsidy,
        person=cast.zhang,
        start_month=Month(2018, 1),
    )
    with pytest.raises(ValidationError) as err:
        grant_entitlements(
            actor=cast.users.district,
            scheme=programs.living_subsidy,
            grants=[Grant(person=cast.zhang, start_month=Month(2018, 5))],
        )
    assert err.value.message_dict["grants"] == ["第1行：张三明已在享受“困难残疾人生活补贴”"]


def test_ending_many_stops_payment_after_the_month(cast, programs):
    officer, finance = cast.users.district, cast.users.finance
    made = grant_entitlements(
        actor=officer,
        scheme=programs.living_subsidy,
        grants=[Grant(person=p, start_month=Month(2018, 1)) for p in (cast.zhang, cast.zhao)],
    )
    set_bank_accounts(
        actor=officer,
        accounts=[
            Account(person=p, bank_name="农商行", account_name=p.name, account_number=f"6222{p.pk:012d}")
            for p in (cast.zhang, cast.zhao)
        ],
    )
    assert (
        end_entitlements(
            Entitlement.objects.filter(pk__in=[e.pk for e in made]),
            actor=officer,
            last_month=Month(2018, 2),
            reason="迁出本区",
        )
        == 2
    )
    assert set(
        Entitlement.objects.filter(pk__in=[e.pk for e in made]).values_list("status", "end_reason")
    ) == {("ended", "迁出本区")}
    for number in (2, 3):
        run = payroll.get_or_create_run(programs.living_subsidy, Month(2018, number), actor=finance)
        payroll.build_run(run, actor=finance)
        assert run.line_count == (2 if number == 2 else 0)
        assert all(status == "pending" for status in run.lines.values_list("status", flat=True))
    with pytest.raises(ValidationError):
        end_entitlements(
            Entitlement.objects.filter(pk=made[0].pk), actor=officer, last_month=Month(2017, 12), reason="x"
        )


def test_bank_accounts_in_bulk_are_checked_and_audited(cast, programs):
    with pytest.raises(ValidationError) as err:
        set_bank_accounts(
            actor=cast.users.district,
            accounts=[
                Account(
                    person=cast.zhang,
                    bank_name="农商行",
                    account_name="张三明",
                    account_number="6222000011112222",
                ),
                Account(person=cast.zhao, bank_name="", account_name="赵六", account_number="12345"),
            ],
        )
    assert err.value.message_dict["accounts"] == ["第2行：银行账号应为12至30位数字", "第2行：请填写开户银行"]
    assert not BankAccount.objects.exists()
    set_bank_accounts(
        actor=cast.users.district,
        accounts=[
            Account(
                person=cast.zhang,
                bank_name="农商行",
                account_name="张三明",
                account_number="6222 0000 1111 2222",
            )
        ],
    )
    account = BankAccount.objects.get(person=cast.zhang)
    assert account.account_number == "6222000011112222"
    log = AuditLog.objects.get(action="set_bank_account", object_id=str(account.pk))
    assert "6222000011112222" not in str(log.changes)
    # a correction goes through the one-record service
    set_bank_accounts(
        actor=cast.users.district,
        accounts=[
            Account(
                person=cast.zhang,
                bank_name="工商银行",
                account_name="张三明",
                account_number="6212000011113333",
            )
        ],
    )
    account.refresh_from_db()
    assert (account.bank_name, account.account_number) == ("工商银行", "6212000011113333")
