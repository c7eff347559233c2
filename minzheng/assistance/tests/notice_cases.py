"""Builders for the notices tests: a 低保 household with sensitive facts, carried to 公示 through the
real application services, and a clock that can be moved (the notice period is calendar days)."""

from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.utils import timezone

from minzheng.assistance.services.applications import (
    accept_application,
    record_investigation,
    submit_application,
    town_review,
)
from minzheng.benefits.services import set_bank_account
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import add_member, create_household, register_person

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The sensitive facts the public notice must never show.
HEAD_NAME = "陈大伟"
SPOUSE_NAME = "林美玲"
CHILD_NAME = "陈小宝"
HEAD_PHONE = "13912345678"
SPOUSE_PHONE = "13687654321"
BANK_ACCOUNT = "6222020200112233445"
DISABILITY_CERT = "44011319700101123X41"


@contextmanager
def on_day(day: date, monkeypatch):
    """Run the block as if today were `day` (noon, Asia/Shanghai)."""
    moment = datetime.combine(day, time(12, 0), tzinfo=SHANGHAI)
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


def sensitive_household(cast, *, seq: int = 100):
    """A household in 测试一居委会: head, a spouse with a grade-1 physical disability, a child of 6."""
    admin = cast.users.admin
    region = cast.village_sq

    def person(offset, name, born, **extra):
        return register_person(
            actor=admin,
            id_number=make_id_number("440113", born, seq + offset),
            name=name,
            region=region,
            **extra,
        )

    head = person(1, HEAD_NAME, date(1975, 4, 2), phone=HEAD_PHONE)
    spouse = person(
        2,
        SPOUSE_NAME,
        date(1978, 9, 9),
        phone=SPOUSE_PHONE,
        disability_category="physical",
        disability_grade=1,
        disability_cert_no=DISABILITY_CERT,
    )
    child = person(3, CHILD_NAME, date(2012, 6, 1))
    household = create_household(
        actor=admin,
        region=region,
        head=head,
        address="市桥街九号",
        number=f"SQ-N{seq}",
        since=date(2014, 1, 1),
    )
    add_member(household, actor=admin, person=spouse, relation="spouse", since=date(2014, 1, 1))
    add_member(household, actor=admin, person=child, relation="child", since=date(2014, 1, 1))
    set_bank_account(
        actor=cast.users.district,
        person=head,
        bank_name="广州农商银行",
        account_name=HEAD_NAME,
        account_number=BANK_ACCOUNT,
    )
    return SimpleNamespace(household=household, head=head, spouse=spouse, child=child)


def in_notice(cast, *, program: str, person, household=None, income: str = "0"):
    """An application carried to 公示 by the right roles (village intake, town review)."""
    application = submit_application(
        actor=cast.users.village,
        program=program,
        person=person,
        household=household,
        applied_on=timezone.localdate(),
        declared_income=Decimal(income),
        reason="申请救助",
    )
    accept_application(application, actor=cast.users.town)
    record_investigation(
        application, actor=cast.users.village, assessed_income=Decimal(income), result_text="入户调查属实"
    )
    town_review(application, actor=cast.users.town, approve=True, opinion="同意公示")
    application.refresh_from_db()
    return application


def dibao_in_notice(cast, case, *, income: str = "1000"):
    """The family's 低保 application in 公示."""
    return in_notice(cast, program="dibao", person=case.head, household=case.household, income=income)
