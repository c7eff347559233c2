"""The set-based write paths under the engine: `core.datasets.insert_values` / `bulk_insert`
(COPY on PostgreSQL, one `executemany` on SQLite) and the recalculation's one UPDATE per chunk
store exactly what the ORM would store, and read back the same through the ORM."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from minzheng.benefits.bulk import Grant, grant_entitlements
from minzheng.benefits.models import AmountPeriod, BankAccount, Entitlement
from minzheng.benefits.services import grant_entitlement, set_standard
from minzheng.core.datasets import bulk_insert, insert_values
from minzheng.core.models import AuditLog
from minzheng.core.months import Month

pytestmark = pytest.mark.django_db


def test_insert_values_stores_what_the_orm_reads_back(cast, schemes):
    trace = {"formula": "标准 200.00 × 1", "nested": {"list": [1, "二", None]}, "capped": False}
    rows = [
        {
            "scheme_id": schemes.nursing.pk,
            "person_id": person.pk,
            "household_id": None,
            "region_id": person.region_id,
            "start_month": date(2018, 3, 1),
            "end_month": date(2018, 3, 1) if index else None,
            "status": Entitlement.Status.SUSPENDED,  # a choices enum, not a plain str
            "assessed_income": Decimal("12.50"),
            "fixed_amount": "7.10" if index else None,  # a number given as text
            "monthly_amount": Decimal("200.00"),
            "trace": trace,
            "recurring": not index,
        }
        for index, person in enumerate((cast.zhang, cast.zhao))
    ]
    with transaction.atomic():
        ids = insert_values(Entitlement, rows)
    assert len(ids) == 2 and ids[0] < ids[1]
    first, second = (Entitlement.objects.get(pk=pk) for pk in ids)
    assert (first.person_id, second.person_id) == (cast.zhang.pk, cast.zhao.pk)
    assert first.status == second.status == Entitlement.Status.SUSPENDED
    assert first.start_month == date(2018, 3, 1) and first.end_month is None
    assert second.end_month == date(2018, 3, 1)
    assert first.assessed_income == Decimal("12.50") and first.fixed_amount is None
    assert second.fixed_amount == Decimal("7.10")
    assert first.trace == trace
    assert (first.recurring, second.recurring) == (True, False)
    assert first.created_at is not None and first.created_at == first.updated_at
    # the next ORM insert continues after the ids taken
    later = AuditLog.objects.create(action="x", object_type="t", object_id="1", object_repr="r", changes={})
    assert Entitlement.objects.order_by("-pk").first().pk == ids[1]
    assert later.pk


def test_bulk_insert_gives_the_objects_their_ids_and_times(cast):
    objects = [
        AuditLog(
            action="import",
            object_type="registry.person",
            object_id=str(n),
            object_repr=f"第{n}行",
            changes={"row": n},
        )
        for n in (2, 3, 4)
    ]
    with transaction.atomic():
        bulk_insert(AuditLog, objects)
    assert all(obj.pk for obj in objects)
    assert [obj.pk for obj in objects] == sorted(obj.pk for obj in objects)
    stored = AuditLog.objects.in_bulk([obj.pk for obj in objects])
    for obj in objects:
        assert stored[obj.pk].changes == obj.changes
        assert stored[obj.pk].object_repr == obj.object_repr
        assert stored[obj.pk].created_at == obj.created_at


def test_a_violated_constraint_is_djangos_integrity_error_and_nothing_is_written(cast, schemes):
    before = BankAccount.objects.count()
    rows = [
        {
            "person_id": person.pk,
            "bank_name": "农商银行",
            "account_name": person.name,
            "account_number": "6" * 16,
        }
        for person in (cast.hh_sq2.head, cast.zhang)  # 张三明 has an account already (one per person)
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_values(BankAccount, rows)
    assert BankAccount.objects.count() == before
    assert not BankAccount.objects.filter(person=cast.hh_sq2.head).exists()


def test_recalculation_writes_the_current_amount_and_trace_of_each_entitlement(cast, schemes):
    actor = cast.users.district
    made = grant_entitlements(
        actor=actor,
        scheme=schemes.nursing,
        grants=[
            Grant(person=cast.zhang, start_month=Month(2018, 1)),
            Grant(person=cast.zhao, start_month=Month(2018, 1)),
        ],
    )
    single = grant_entitlement(
        actor=actor, scheme=schemes.longevity, person=cast.zhang, start_month=Month(2018, 1)
    )
    for entitlement in made:
        stored = Entitlement.objects.get(pk=entitlement.pk)
        assert stored.monthly_amount == Decimal("200.00")
        assert stored.trace["formula"] == "标准 200.00" and stored.trace["reason"] == "核定待遇"
        assert stored.trace["standard"]["document"] == "穗民〔2016〕1号"
    set_standard(
        actor=actor,
        scheme=schemes.nursing,
        region=cast.district,
        valid_from=Month(2018, 7),
        amount=Decimal("230.5"),
        document="穗民〔2018〕40号",
    )
    for entitlement in made:
        stored = Entitlement.objects.get(pk=entitlement.pk)
        assert stored.monthly_amount == Decimal("230.50")
        assert stored.trace["reason"] == "标准调整（穗民〔2018〕40号）"
        assert stored.updated_at >= entitlement.updated_at
        periods = list(AmountPeriod.objects.filter(entitlement=entitlement).order_by("from_month"))
        assert [(p.from_month, p.to_month, p.amount) for p in periods] == [
            (date(2018, 1, 1), date(2018, 6, 1), Decimal("200.00")),
            (date(2018, 7, 1), None, Decimal("230.50")),
        ]
    assert Entitlement.objects.get(pk=single.pk).trace == single.trace  # other schemes untouched
