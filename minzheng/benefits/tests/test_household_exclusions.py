"""A household scheme is held once per household, and exclusive schemes count through the household.

张三明 (head) and 李四芳 (spouse) of SQ-0001: one 低保 for the household, whoever is the payee;
特困 (which excludes 低保) is refused to a member of a 低保 household, and 低保 is refused to a
household one of whose members holds 特困 — by `grant_entitlement`, by the batch
`grant_entitlements`, and by the database where it can (one open entitlement per household).
"""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from minzheng.benefits import services
from minzheng.benefits.bulk import Grant, grant_entitlements
from minzheng.benefits.models import Entitlement
from minzheng.benefits.services import end_entitlement, grant_entitlement
from minzheng.core.months import Month
from minzheng.registry.models import Household, Person
from minzheng.registry.services import remove_member

JAN, APR = Month(2018, 1), Month(2018, 4)


def li():
    return Person.objects.get(name="李四芳")


def dibao(cast, schemes, person=None, *, start=JAN, household=None):
    return grant_entitlement(
        actor=cast.users.district,
        scheme=schemes.dibao,
        person=person or cast.zhang,
        household=household or cast.hh_sq,
        start_month=start,
        assessed_income=Decimal("600"),
    )


def tekun(cast, schemes, person, *, start=JAN):
    return grant_entitlement(
        actor=cast.users.district, scheme=schemes.tekun, person=person, start_month=start
    )


def test_a_second_member_cannot_open_a_second_dibao_for_the_household(cast, schemes):
    dibao(cast, schemes)
    with pytest.raises(ValidationError) as exc:
        dibao(cast, schemes, li())
    assert exc.value.message_dict == {"household": ["该家庭已在享受“最低生活保障”"]}
    assert Entitlement.objects.filter(scheme=schemes.dibao, household=cast.hh_sq).count() == 1


def test_the_database_holds_one_open_dibao_per_household(cast, schemes):
    first = dibao(cast, schemes)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.create(
            scheme=schemes.dibao,
            person=li(),
            household=cast.hh_sq,
            region=cast.village_sq,
            start_month=date(2018, 2, 1),
        )
    end_entitlement(first, actor=cast.users.district, last_month=Month(2018, 3), reason="收入超过标准")
    again = dibao(cast, schemes, li(), start=APR)  # an ended one does not count
    assert again.household == cast.hh_sq and again.status == Entitlement.Status.ACTIVE


def test_a_lost_race_on_the_constraint_is_the_same_refusal(cast, schemes, monkeypatch):
    dibao(cast, schemes)
    real = services._check_not_held
    calls = []

    def blind_first_time(*args):  # the check of a grant that ran before the other committed
        calls.append(args)
        if len(calls) > 1:
            real(*args)

    monkeypatch.setattr(services, "_check_not_held", blind_first_time)
    with pytest.raises(ValidationError) as exc:
        dibao(cast, schemes, li())
    assert exc.value.message_dict == {"household": ["该家庭已在享受“最低生活保障”"]}
    assert len(calls) == 2 and Entitlement.objects.filter(scheme=schemes.dibao).count() == 1


def test_tekun_is_refused_to_a_member_of_a_dibao_household(cast, schemes):
    dibao(cast, schemes)  # paid to 张三明, the head
    with pytest.raises(ValidationError) as exc:
        tekun(cast, schemes, li())
    assert exc.value.message_dict == {
        "scheme": ["李四芳所在家庭户正在享受“最低生活保障”，与“特困人员供养”不能同时享受"]
    }
    with pytest.raises(ValidationError) as exc:
        tekun(cast, schemes, cast.zhang)  # the payee himself
    assert exc.value.message_dict == {
        "scheme": ["张三明正在享受“最低生活保障”，与“特困人员供养”不能同时享受"]
    }
    assert not Entitlement.objects.filter(scheme=schemes.tekun).exists()


def test_dibao_is_refused_when_a_member_holds_tekun(cast, schemes):
    tekun(cast, schemes, li())
    with pytest.raises(ValidationError) as exc:
        dibao(cast, schemes)
    assert exc.value.message_dict == {
        "scheme": ["家庭成员李四芳正在享受“特困人员供养”，与“最低生活保障”不能同时享受"]
    }
    assert not Entitlement.objects.filter(scheme=schemes.dibao).exists()


def test_months_and_memberships_decide(cast, schemes):
    ended = dibao(cast, schemes)
    end_entitlement(ended, actor=cast.users.district, last_month=Month(2018, 3), reason="收入超过标准")
    granted = tekun(cast, schemes, li(), start=APR)  # 低保 ended in March
    # 王五 holds 特困; he is not a member of SQ-0001, whose 低保 can start again once hers ends
    tekun(cast, schemes, Person.objects.get(name="王五"))
    with pytest.raises(ValidationError, match="家庭成员李四芳正在享受"):
        dibao(cast, schemes, start=Month(2018, 6))
    end_entitlement(granted, actor=cast.users.district, last_month=Month(2018, 5), reason="死亡")
    assert dibao(cast, schemes, start=Month(2018, 6)).household == cast.hh_sq


def test_a_former_member_no_longer_counts(cast, schemes):
    remove_member(cast.hh_sq, actor=cast.users.admin, person=li(), until=date(2018, 2, 10), reason="离婚迁出")
    dibao(cast, schemes)  # from January: 李四芳 was still a member in January
    with pytest.raises(ValidationError, match="李四芳所在家庭户正在享受"):
        tekun(cast, schemes, li(), start=Month(2018, 2))  # in February she was still in SQ-0001
    assert tekun(cast, schemes, li(), start=APR).person.name == "李四芳"  # she left in February


# --- the batch ---------------------------------------------------------------------------------------


def batch(cast, scheme, *grants):
    return grant_entitlements(actor=cast.users.district, scheme=scheme, grants=list(grants))


def test_the_batch_refuses_a_household_twice_and_a_household_already_receiving(cast, schemes):
    with pytest.raises(ValidationError) as exc:
        batch(
            cast,
            schemes.dibao,
            Grant(person=cast.zhang, household=cast.hh_sq, start_month=JAN),
            Grant(person=li(), household=cast.hh_sq, start_month=JAN),
        )
    assert exc.value.message_dict == {"grants": ["第2行：家庭户与第1行重复"]}
    dibao(cast, schemes)
    with pytest.raises(ValidationError) as exc:
        batch(cast, schemes.dibao, Grant(person=li(), household=cast.hh_sq, start_month=APR))
    assert exc.value.message_dict == {"grants": ["第1行：该家庭已在享受“最低生活保障”"]}


def test_the_batch_applies_household_exclusions_both_ways(cast, schemes):
    wang = Person.objects.get(name="王五")
    dibao(cast, schemes)
    with pytest.raises(ValidationError) as exc:
        batch(
            cast,
            schemes.tekun,
            Grant(person=wang, start_month=JAN),
            Grant(person=li(), start_month=JAN),
        )
    assert exc.value.message_dict == {
        "grants": ["第2行：李四芳所在家庭户正在享受“最低生活保障”，与“特困人员供养”不能同时享受"]
    }
    batch(cast, schemes.tekun, Grant(person=wang, start_month=JAN))
    with pytest.raises(ValidationError) as exc:
        batch(cast, schemes.dibao, Grant(person=wang, household=cast.hh_sq2, start_month=JAN))
    assert exc.value.message_dict == {
        "grants": ["第1行：王五正在享受“特困人员供养”，与“最低生活保障”不能同时享受"]
    }


def test_the_batch_refuses_dibao_when_a_member_holds_tekun(cast, schemes):
    tekun(cast, schemes, li())
    with pytest.raises(ValidationError) as exc:
        batch(cast, schemes.dibao, Grant(person=cast.zhang, household=cast.hh_sq, start_month=JAN))
    assert exc.value.message_dict == {
        "grants": ["第1行：家庭成员李四芳正在享受“特困人员供养”，与“最低生活保障”不能同时享受"]
    }


def test_the_batch_checks_take_the_same_queries_for_one_row_or_many(cast, schemes):
    from minzheng.benefits.bulk import _clashes

    people = [cast.zhang, li(), Person.objects.get(name="王五"), cast.zhao]
    rows = [(Grant(person=p, start_month=JAN), p, None) for p in people]
    with CaptureQueriesContext(connection) as one:
        assert _clashes(schemes.tekun, rows[:1]) == []
    with CaptureQueriesContext(connection) as many:
        assert _clashes(schemes.tekun, rows) == []
    assert len(one.captured_queries) == len(many.captured_queries) <= 5


# --- two grants at the same time (PostgreSQL: separate connections) ---------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks and a second connection")
@pytest.mark.parametrize("second", ["tekun for 李四芳", "低保 for 李四芳"])
def test_two_concurrent_grants_for_one_household_do_not_both_succeed(
    browser_cast, schemes, cast, monkeypatch, second
):
    """Each grant pauses after its checks; the locks (household, then person) make the second
    wait for the first to commit, and then it sees the first and is refused."""
    real = services._check_not_held

    def slow(*args):
        real(*args)
        time.sleep(0.5)

    monkeypatch.setattr(services, "_check_not_held", slow)
    household, spouse = Household.objects.get(pk=cast.hh_sq.pk), li()
    calls = {
        "低保 for 张三明": lambda: dibao(cast, schemes, household=household),
        "tekun for 李四芳": lambda: tekun(cast, schemes, spouse),
        "低保 for 李四芳": lambda: dibao(cast, schemes, spouse, household=household),
    }
    barrier, outcomes = threading.Barrier(2), {}

    def run(name):
        try:
            barrier.wait(timeout=10)
            calls[name]()
            outcomes[name] = "granted"
        except ValidationError as exc:
            outcomes[name] = " ".join(m for ms in exc.message_dict.values() for m in ms)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("低保 for 张三明", second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()).count("granted") == 1, outcomes
    refused = next(v for v in outcomes.values() if v != "granted")
    assert "享受" in refused
    open_ = Entitlement.objects.filter(status="active", person__memberships__household=cast.hh_sq)
    assert open_.count() == 1
