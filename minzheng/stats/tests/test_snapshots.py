"""Closing a period freezes its figures: reports use the snapshot, and a later correction of the
records shows as a difference next to it instead of changing what was reported."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from minzheng.core.models import AuditLog
from minzheng.registry.models import Person
from minzheng.registry.services import record_death
from minzheng.stats.annual import build_annual_report
from minzheng.stats.models import ClosedPeriod, IndicatorSnapshot
from minzheng.stats.registry import Period, all_indicators, towns_at
from minzheng.stats.report_docx import build_docx
from minzheng.stats.report_html import render_report_html
from minzheng.stats.selectors import figure, figures
from minzheng.stats.services import close_period

P2018 = Period.for_year(2018)


def test_closing_snapshots_every_indicator_for_the_district_and_each_town(cast):
    closure = close_period(P2018, actor=cast.users.district)
    regions = 1 + len(towns_at(P2018))
    assert (closure.period, closure.region_count, closure.indicator_count) == (
        "2018",
        regions,
        len(all_indicators()),
    )
    assert IndicatorSnapshot.objects.filter(closure=closure).count() == regions * len(all_indicators())
    snap = IndicatorSnapshot.objects.get(period="2018", region=cast.shiqiao, indicator_id="registry.persons")
    assert snap.value == Decimal("4")
    assert AuditLog.objects.filter(
        action="close_period", actor=cast.users.district, object_id=str(closure.pk)
    ).exists()


def test_money_snapshots_keep_the_exact_yuan(cast, add_indicator):
    add_indicator("assistance.dibao.paid", {"440113": Decimal("12450.00")}, unit="万元")
    close_period(P2018, actor=cast.users.district)
    item = figure("assistance.dibao.paid", P2018, cast.district)
    assert (item.source, item.value, item.exact) == ("snapshot", Decimal("1.25"), Decimal("12450.00"))


def test_a_correction_after_closing_does_not_change_the_report_but_shows_the_difference(cast):
    close_period(P2018, actor=cast.users.district)
    record_death(Person.objects.get(name="王五"), actor=cast.users.admin, death_date=date(2018, 6, 30))

    item = figure("registry.persons", P2018, cast.district)
    assert (item.value, item.live.value, item.source, item.differs) == (5, 4, "snapshot", True)
    untouched = figure("registry.persons", P2018, cast.shatou)
    assert (untouched.value, untouched.differs) == (1, False)

    report = build_annual_report(2018, cast.district)
    html = render_report_html(report)
    assert "5人" in html and "结账后记录有更正，按现有记录为4人" in html
    rows = {row.cells[1].text: row for row in build_docx(report).tables[0].rows[1:]}
    assert rows["registry.persons"].cells[3].text == "5"
    assert rows["registry.persons"].cells[5].text == "结账快照；按现有记录为4"
    assert rows["registry.households"].cells[3].text == "3"  # SQ-0002 emptied, snapshot keeps 3


def test_an_open_period_is_live(cast):
    record_death(Person.objects.get(name="王五"), actor=cast.users.admin, death_date=date(2018, 6, 30))
    item = figure("registry.persons", P2018, cast.district)
    assert (item.value, item.source, item.differs) == (4, "live", False)


def test_snapshots_are_per_period_and_a_village_is_always_live(cast):
    close_period(Period.for_quarter(2018, 4), actor=cast.users.district)
    record_death(Person.objects.get(name="王五"), actor=cast.users.admin, death_date=date(2018, 11, 1))
    assert figure("registry.persons", Period.for_quarter(2018, 4), cast.district).value == 5
    assert figure("registry.persons", P2018, cast.district).value == 4  # the year is not closed
    assert figure("registry.persons", Period.for_quarter(2018, 4), cast.village_sq).value == 3


def test_a_period_is_closed_once_and_only_after_it_has_ended(cast):
    close_period(P2018, actor=cast.users.district)
    with pytest.raises(ValidationError) as err:
        close_period(P2018, actor=cast.users.district)
    assert "已经结账" in str(err.value)
    this_year = Period.for_year(timezone.localdate().year)
    with pytest.raises(ValidationError) as err:
        close_period(this_year, actor=cast.users.district)
    assert "尚未结束" in str(err.value)
    assert ClosedPeriod.objects.count() == 1


@pytest.mark.parametrize("user", ["town", "village", "finance", "leader"])
def test_only_district_managers_close_periods(cast, user):
    with pytest.raises(PermissionDenied):
        close_period(P2018, actor=getattr(cast.users, user))
    assert not ClosedPeriod.objects.exists()


def test_the_close_period_command(cast):
    out = io.StringIO()
    call_command("close_period", "2018Q4", stdout=out)
    assert "统计期2018Q4已结账" in out.getvalue()
    with pytest.raises(CommandError, match="已经结账"):
        call_command("close_period", "2018Q4", stdout=out)
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("close_period", "2018Q5", stdout=out)


def test_the_periods_page_closes_for_managers_only(client, cast):
    client.force_login(cast.users.town)
    assert client.get("/stats/periods/").status_code == 200
    assert client.post("/stats/periods/", {"period": "2018"}).status_code == 403
    client.force_login(cast.users.district)
    response = client.post("/stats/periods/", {"period": "2018"}, follow=True)
    assert "统计期2018已结账" in response.content.decode()
    response = client.post("/stats/periods/", {"period": "2018"}, follow=True)
    assert "已经结账" in response.content.decode()
    response = client.post("/stats/periods/", {"period": "18"}, follow=True)
    assert "格式不正确" in response.content.decode()
    assert list(ClosedPeriod.objects.values_list("period", flat=True)) == ["2018"]
    assert len(figures(P2018, cast.shatou)) == len(all_indicators())
