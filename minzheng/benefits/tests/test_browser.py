"""A month's payroll in the real back office, driven in Chromium: finance builds, the district
approves, finance downloads the bank file."""

import csv
import io
import os
from decimal import Decimal

import pytest

from minzheng.accounts.models import User
from minzheng.benefits.models import PayrollRun, Scheme
from minzheng.benefits.services import create_scheme, grant_entitlement, set_bank_account, set_standard
from minzheng.core.months import Month
from minzheng.registry.models import Person, Region

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")  # set to keep screenshots of the run page


def shoot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def logout(page):
    with page.expect_navigation():
        page.eval_on_selector("#logout-form", "form => form.submit()")


def open_run(page, month):
    page.goto("/admin/benefits/payrollrun/")
    with page.expect_navigation():
        page.click(f"#result_list >> text={month}")
    page.wait_for_selector("#run-page")


def test_build_approve_export(page, login_as):
    district = User.objects.get(username="cast_district")
    scheme = create_scheme(actor=district, code="nursing", name="重度残疾人护理补贴", kind=Scheme.Kind.FIXED)
    set_standard(
        actor=district,
        scheme=scheme,
        region=Region.objects.get(code="440113", level="district"),
        valid_from=Month(2018, 1),
        amount=Decimal("200"),
        document="穗民〔2016〕1号",
    )
    accounts = {}
    for name, number in (
        ("张三明", "6222021234567890011"),
        ("李四芳", "6222021234567890022"),
        ("赵六", "6222021234567890033"),
    ):
        person = Person.objects.get(name=name)
        grant_entitlement(actor=district, scheme=scheme, person=person, start_month=Month(2018, 1))
        set_bank_account(
            actor=district, person=person, bank_name="农商银行", account_name=name, account_number=number
        )
        accounts[name] = number

    # finance creates the January run; the build runs as a job
    login_as("finance")
    page.goto("/benefits/runs/new/")
    page.select_option("#id_scheme", label="重度残疾人护理补贴")
    page.fill("#id_month", "2018-01")
    with page.expect_navigation():
        page.click("#run-new-form button[type=submit]")
    page.wait_for_selector('#job-progress[data-status="succeeded"]')
    assert "100%" in page.inner_text("#job-progress")

    open_run(page, "2018-01")
    totals = page.inner_text("#town-totals")
    assert "市桥街道" in totals and "400.00" in totals
    assert "沙头街道" in totals and "200.00" in totals
    assert page.inner_text("#run-total") == "600.00"
    assert all(number not in page.content() for number in accounts.values())
    assert page.is_visible("#approve-note")  # the author cannot approve
    shoot(page, "run-page-draft")

    # the district approves
    logout(page)
    login_as("district")
    open_run(page, "2018-01")
    page.fill("#approve-form input[name=opinion]", "同意发放")
    with page.expect_navigation():
        page.click("#approve-form button[type=submit]")
    page.wait_for_selector('#run-page[data-status="approved"]')
    assert "已审批：共 3 笔，合计 600.00 元" in page.inner_text("body")
    assert not page.is_visible("#export-form")  # the district may not export

    # finance downloads the bank file
    logout(page)
    login_as("finance")
    open_run(page, "2018-01")
    shoot(page, "run-page-approved")
    with page.expect_download() as download:
        page.click("#export-form button[value=csv]")
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".csv")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    header = {row[0]: row[1] for row in rows[:6]}
    assert header["笔数"] == "3" and header["合计金额"] == "600.00"
    start = next(i for i, row in enumerate(rows) if row and row[0] == "明细编号")
    lines = [row for row in rows[start + 1 :] if row]
    assert len(lines) == 3
    assert sum(Decimal(row[5]) for row in lines) == Decimal("600.00")
    assert sorted(row[2] for row in lines) == sorted(accounts.values())

    page.reload()
    page.wait_for_selector('#run-page[data-status="exported"]')
    assert page.is_visible("#reconcile-form")
    assert PayrollRun.objects.get(month="2018-01-01").status == PayrollRun.Status.EXPORTED
