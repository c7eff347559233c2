"""A full 低保 case in Chromium, each step by the right role through the pages:
intake (village assistant) → acceptance, investigation and town review (town caseworker) →
the 7-day notice closed by the system → district approval (district office) → the next month's
payroll run, built by finance, pays the household.

The clock is set to Monday 15 October 2018 (10:00 in Shanghai) for the whole run, server included,
so the amounts are those of 2018: 900 × 3 − 1200 = 1500, + 90 for the minor 张小明 = 1590.00.
"""

import os
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.assistance.models import Application, Notice
from minzheng.assistance.programs import ensure_programs
from minzheng.assistance.services.notices import close_expired_notices
from minzheng.benefits.models import PaymentLine, PayrollRun
from minzheng.benefits.services import set_standard
from minzheng.core.months import Month
from minzheng.registry.models import Person, Region

pytestmark = pytest.mark.browser
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
NOW = datetime(2018, 10, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def shoot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def logout(page):
    with page.expect_navigation():
        page.eval_on_selector("#logout-form", "form => form.submit()")


def submit(page, form_id):
    with page.expect_navigation():
        page.click(f"#{form_id} button[type=submit]")
    errors = page.locator(f"#{form_id} [role=alert]")
    assert errors.count() == 0, errors.all_inner_texts()


@pytest.fixture
def dibao(browser_cast, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    district = User.objects.get(username="cast_district")
    schemes = ensure_programs(actor=district)
    set_standard(
        actor=district,
        scheme=schemes["dibao"],
        region=Region.objects.get(code="440113", level="district"),
        valid_from=Month(2018, 1),
        amount=Decimal("900"),
        params={
            "supplements": [{"category": "elderly", "percent": "20"}, {"category": "minor", "percent": "10"}]
        },
        document="番民〔2018〕1号（测试）",
    )
    return schemes["dibao"]


def test_full_dibao_case(page, login_as, dibao):
    # 1. the village assistant takes in the application
    login_as("village")
    page.goto("/assistance/applications/new/")
    applicant = Person.objects.get(name="张三明")
    page.fill("#id_id_number", applicant.id_number)
    page.select_option("#id_program", "dibao")
    page.fill("#id_applied_on", "2018-10-15")
    page.fill("#id_declared_income", "1200")
    page.fill("#id_reason", "夫妻二人均无固定收入，孩子上学")
    submit(page, "application-new-form")
    page.wait_for_selector('#application-page[data-status="applied"]')
    number = Application.objects.get().number
    assert number == "DB-2018-000001" and number in page.inner_text("#application-page h2")
    assert page.locator("#move-accept").count() == 0  # the village may not accept
    assert "2018-10-22" in page.inner_text("#deadline")  # 5 working days
    url = page.url
    logout(page)

    # 2. the town caseworker accepts, investigates and approves at town level
    login_as("town")
    page.goto(url)
    page.fill("#id_accept-opinion", "材料齐全，予以受理")
    submit(page, "move-accept")
    page.wait_for_selector('#application-page[data-status="accepted"]')
    page.fill("#id_investigate-assessed_income", "1200")
    page.fill("#id_investigate-result_text", "入户调查：家庭3人，月收入1200元，无车辆房产")
    submit(page, "move-investigate")
    page.wait_for_selector('#application-page[data-status="investigated"]')
    page.check("#move-town_review input[value=approve]")
    page.fill("#id_town_review-opinion", "符合低保条件，同意公示")
    submit(page, "move-town_review")
    page.wait_for_selector('#application-page[data-status="notice"]')
    assert page.locator("#moves form").count() == 0
    shoot(page, "application-notice")
    logout(page)

    # 3. the notice runs 7 days without objection; the system moves the case on
    application = Application.objects.get()
    notice = Notice.objects.get(application=application)
    assert close_expired_notices(today=notice.ends_on + timedelta(days=1)) == 1

    # 4. the district approves
    login_as("district")
    page.goto(url)
    page.wait_for_selector('#application-page[data-status="district_review"]')
    page.check("#move-decide input[value=approve]")
    page.fill("#id_decide-opinion", "同意，自次月起发放")
    submit(page, "move-decide")
    page.wait_for_selector('#application-page[data-status="approved"]')
    assert "2018-11" in page.inner_text("#entitlement-link")
    assert "1,590.00" in page.inner_text("#entitlement-link") or "1590.00" in page.inner_text(
        "#entitlement-link"
    )
    assert page.is_visible("#letter-link")
    history = page.inner_text("#history")
    for text in ("已申请", "已受理", "调查核对完成", "公示中", "待区级审批", "已批准", "同意，自次月起发放"):
        assert text in history
    shoot(page, "application-approved")
    logout(page)

    # 5. finance builds the November payroll: the household's line is in it
    login_as("finance")
    page.goto("/benefits/runs/new/")
    page.select_option("#id_scheme", label="最低生活保障")
    page.fill("#id_month", "2018-11")
    with page.expect_navigation():
        page.click("#run-new-form button[type=submit]")
    page.wait_for_selector('#job-progress[data-status="succeeded"]')
    run = PayrollRun.objects.get(scheme=dibao, month="2018-11-01")
    page.goto(f"/benefits/runs/{run.pk}/")
    lines = page.inner_text("#run-lines")
    assert "张三明" in lines and "1,590.00" in lines or "1590.00" in lines
    line = PaymentLine.objects.get(run=run)
    assert line.entitlement_id == Application.objects.get().entitlement_id
    assert line.amount == Decimal("1590.00") and line.kind == "regular"
