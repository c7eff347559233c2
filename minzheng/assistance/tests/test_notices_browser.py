"""The public notice in Chromium: an anonymous visitor sees the running notices of a 村居 and
month with the masked head name and the amount and nothing sensitive; a town caseworker records
an objection and upholds it on the back-office pages, which takes the case back to 入户调查 and
the notice off the page; once the 7 days have passed, the other notice is gone too.

The clock is set to Monday 15 October 2018 (10:00 in Shanghai), server included (the live server
runs in this process), and moved to 22 October, the day after the notices end, for the last step.
"""

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.assistance.models import Application, ApplicationStatus, Notice, NoticeObjection
from minzheng.assistance.programs import ensure_programs
from minzheng.benefits.services import set_standard
from minzheng.core.masking import mask_phone
from minzheng.core.months import Month
from minzheng.registry.models import Household, Region

from .notice_cases import (
    BANK_ACCOUNT,
    CHILD_NAME,
    DISABILITY_CERT,
    HEAD_NAME,
    HEAD_PHONE,
    SPOUSE_NAME,
    SPOUSE_PHONE,
    dibao_in_notice,
    in_notice,
    sensitive_household,
)

pytestmark = pytest.mark.browser
SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2018, 10, 15, 10, tzinfo=SHANGHAI)
AFTER_THE_NOTICE = datetime(2018, 10, 22, 10, tzinfo=SHANGHAI)


def set_clock(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def logout(page):
    with page.expect_navigation():
        page.eval_on_selector("#logout-form", "form => form.submit()")


def submit(page, form_id):
    with page.expect_navigation():
        page.click(f"#{form_id} button[type=submit]")
    errors = page.locator(f"#{form_id} [role=alert]")
    assert errors.count() == 0, errors.all_inner_texts()


@pytest.fixture
def board(browser_cast, monkeypatch):
    """Two 低保 cases of 测试一居委会 in 公示 since 15 October 2018: the 陈 family (with a disabled
    spouse, a child, phones and a bank account) and 王五."""
    set_clock(monkeypatch, PUBLISHED)
    users = SimpleNamespace(
        **{u.username.removeprefix("cast_"): u for u in User.objects.filter(username__startswith="cast_")}
    )
    cast = SimpleNamespace(users=users, village_sq=Region.objects.get(code="440113007001"))
    schemes = ensure_programs(actor=users.district)
    set_standard(
        actor=users.district,
        scheme=schemes["dibao"],
        region=Region.objects.get(code="440113", level="district"),
        valid_from=Month(2018, 1),
        amount=Decimal("900"),
        params={"supplements": [{"category": "minor", "percent": "10"}]},
        document="番民〔2018〕1号（测试）",
    )
    family = sensitive_household(cast)
    chen = dibao_in_notice(cast, family, income="1000")
    wang_household = Household.objects.get(number="SQ-0002")
    wang = in_notice(
        cast, program="dibao", person=wang_household.head, household=wang_household, income="300"
    )
    return SimpleNamespace(
        family=family,
        chen=chen,
        wang=wang,
        chen_notice=chen.notices.get(),
        wang_notice=wang.notices.get(),
        url=f"/portal/notices/{cast.village_sq.code}/2018-10/",
    )


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def forbidden(family) -> list[str]:
    persons = [family.head, family.spouse, family.child]
    out = [HEAD_NAME, SPOUSE_NAME, CHILD_NAME, HEAD_PHONE, SPOUSE_PHONE, mask_phone(HEAD_PHONE)]
    out += [BANK_ACCOUNT, BANK_ACCOUNT[-8:], DISABILITY_CERT, "市桥街九号", family.household.number]
    out += [p.id_number for p in persons] + [p.masked_id_number for p in persons] + ["残疾", "肢体"]
    return out


def test_notice_is_public_masked_taken_down_after_objection_and_after_its_period(
    page, login_as, board, monkeypatch
):
    chen, wang = board.chen_notice, board.wang_notice
    assert (chen.published_on, chen.ends_on) == (date(2018, 10, 15), date(2018, 10, 21))
    assert chen.monthly_amount > 0 and wang.monthly_amount > 0

    # 1. an anonymous visitor reads the board of 测试一居委会 for October 2018
    page.goto(board.url)
    assert "测试一居委会2018年10月社会救助对象公示" in page.inner_text("#board-title")
    rows = [row.inner_text() for row in page.locator(".mz-notice-table tbody tr").all()]
    assert len(rows) == 2
    assert any("陈*伟" in row and money(chen.monthly_amount) in row for row in rows), rows
    assert any("王*" in row and money(wang.monthly_amount) in row for row in rows), rows
    html = page.content()
    leaked = [text for text in forbidden(board.family) if text in html]
    assert leaked == []
    assert page.locator("#logout-form").count() == 0  # nobody is logged in

    # 2. a town caseworker records an objection to the 陈 family's notice on the back office
    login_as("town")
    page.goto(f"/admin/assistance/notice/{chen.pk}/change/")
    with page.expect_navigation():
        page.click("#objection-add")
    page.fill("#id_received_on", "2018-10-16")
    page.fill("#id_objector", "同村村民")
    page.fill("#id_content", "该户有一辆小汽车和一间出租商铺未申报")
    submit(page, "objection-form")
    assert f"/admin/assistance/notice/{chen.pk}/change/" in page.url
    objection = NoticeObjection.objects.get(notice=chen)
    assert objection.recorded_by.username == "cast_town"
    assert Notice.objects.get(pk=chen.pk).status == Notice.Status.OBJECTED

    # ... checks it, and upholds it: the case goes back to investigation
    with page.expect_navigation():
        page.click("#objection-list a")
    page.check("#decide-form input[value=upheld]")
    page.fill("#id_opinion", "经入户核实，该户确有小汽车一辆及出租商铺，收入未如实申报")
    submit(page, "decide-form")
    assert Application.objects.get(pk=board.chen.pk).status == ApplicationStatus.ACCEPTED
    assert Notice.objects.get(pk=chen.pk).status == Notice.Status.CLOSED
    assert NoticeObjection.objects.get(pk=objection.pk).outcome == NoticeObjection.Outcome.UPHELD
    logout(page)

    # 3. the public board no longer lists the 陈 family; 王五 is still in notice
    page.goto(board.url)
    rows = [row.inner_text() for row in page.locator(".mz-notice-table tbody tr").all()]
    assert len(rows) == 1 and "王*" in rows[0] and "陈*伟" not in page.content()

    # 4. the day after the notice period the board is empty (no job needed)
    set_clock(monkeypatch, AFTER_THE_NOTICE)
    page.goto(board.url)
    assert page.locator("#board-empty").is_visible()
    assert page.locator(".mz-notice-table").count() == 0
    assert "王*" not in page.content()
