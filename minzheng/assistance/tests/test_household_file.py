"""The household file (一户一档): entitlements with amounts and traces, payments, applications,
masked ID numbers, scope (404), no audit row for a masked view, and a bounded query count."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from minzheng.assistance.services import applications as svc
from minzheng.benefits.calculations import describe
from minzheng.benefits.models import PaymentLine
from minzheng.benefits.payroll import build_run, get_or_create_run
from minzheng.benefits.services import grant_entitlement
from minzheng.core.models import AuditLog
from minzheng.core.months import Month
from minzheng.registry.models import Person


def url(household):
    return reverse("assistance:household-file", args=[household.pk])


@pytest.fixture
def dibao(cast, programs):
    """张三明's household on 低保 from 2018-01 (assessed income 1200), and 李四芳 on the living subsidy."""
    household_benefit = grant_entitlement(
        actor=cast.users.district,
        scheme=programs.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    member_benefit = grant_entitlement(
        actor=cast.users.district,
        scheme=programs.living_subsidy,
        person=Person.objects.get(name="李四芳"),
        start_month=Month(2018, 3),
    )
    return household_benefit, member_benefit


def pay(cast, scheme, *months):
    for month in months:
        build_run(get_or_create_run(scheme, month, actor=cast.users.finance), actor=cast.users.finance)


def test_shows_every_entitlement_with_amount_and_trace(client, cast, dibao):
    household_benefit, member_benefit = dibao
    client.force_login(cast.users.town)
    response = client.get(url(cast.hh_sq))
    assert response.status_code == 200
    body = response.content.decode()
    assert household_benefit.monthly_amount > 0
    for entitlement in (household_benefit, member_benefit):
        assert f'data-scheme="{entitlement.scheme.code}"' in body
        assert describe(entitlement.trace) in body
    assert f">{household_benefit.monthly_amount:.2f}</td>" in body and ">150.00</td>" in body
    assert "家庭人口 3 人，核定月收入 1200.00 元" in body
    assert "2018-01～" in body and "2018-03～" in body


def test_payment_history_per_scheme_in_one_aggregate(client, cast, programs, dibao):
    household_benefit, _member = dibao
    pay(cast, programs.dibao, Month(2018, 1), Month(2018, 2))
    client.force_login(cast.users.town)
    body = client.get(url(cast.hh_sq)).content.decode()
    section = body[body.index('id="section-payments"') : body.index('id="section-applications"')]
    assert "最低生活保障" in section and "2018-02" in section and "2018-01" in section
    lines = PaymentLine.objects.filter(entitlement=household_benefit)
    assert lines.count() == 2
    total = lines.aggregate(total=Sum("amount"))["total"]
    assert total > 0
    assert f"应发 {total:.2f} 元" in section


def test_applications_with_their_history_and_status(client, cast, programs):
    application = svc.submit_application(
        actor=cast.users.village,
        program="dibao",
        person=cast.hh_sq2.head,
        household=cast.hh_sq2,
        applied_on=Month(2018, 5).first_day,
        declared_income=Decimal("300"),
    )
    svc.accept_application(application, actor=cast.users.town, opinion="材料齐全")
    client.force_login(cast.users.town)
    body = client.get(url(cast.hh_sq2)).content.decode()
    section = body[body.index('id="section-applications"') : body.index('id="section-reviews"')]
    assert application.number in section
    assert "已申请 → 已受理，入户调查中" in section and "材料齐全" in section


def test_id_numbers_are_masked_and_a_child_name_too(client, cast, dibao):
    client.force_login(cast.users.village)
    body = client.get(url(cast.hh_sq)).content.decode()
    zhang = cast.zhang
    assert zhang.masked_id_number in body
    for person in Person.objects.filter(name__in=["张三明", "李四芳", "张小明"]):
        assert person.id_number not in body
    assert "显示完整" not in body  # the village assistant may not reveal
    client.force_login(cast.users.town)
    assert "显示完整" in client.get(url(cast.hh_sq)).content.decode()


def test_out_of_scope_household_is_404(client, cast, dibao):
    client.force_login(cast.users.town_other)
    assert client.get(url(cast.hh_sq)).status_code == 404
    client.force_login(cast.users.village)
    assert client.get(url(cast.hh_st)).status_code == 404


def test_viewing_masked_data_writes_no_audit_row(client, cast, dibao):
    client.force_login(cast.users.town)
    before = AuditLog.objects.count()
    assert client.get(url(cast.hh_sq)).status_code == 200
    assert AuditLog.objects.count() == before


def test_empty_sections_say_none(client, cast, programs):
    client.force_login(cast.users.town)
    body = client.get(url(cast.hh_sq2)).content.decode()
    for section in ("entitlements", "payments", "applications", "reviews", "visits", "medical", "poverty"):
        start = body.index(f'id="section-{section}"')
        assert "<p>无</p>" in body[start : start + 600], section


def test_query_count_does_not_grow_with_the_history(
    client, cast, programs, dibao, django_assert_max_num_queries
):
    client.force_login(cast.users.town)
    with django_assert_max_num_queries(30) as small:
        client.get(url(cast.hh_sq))
    pay(cast, programs.dibao, Month(2018, 1), Month(2018, 2), Month(2018, 3))
    pay(cast, programs.living_subsidy, Month(2018, 3), Month(2018, 4))
    grant_entitlement(
        actor=cast.users.district,
        scheme=programs.temporary,
        person=cast.zhang,
        start_month=Month(2018, 6),
        fixed_amount=Decimal("800"),
    )
    with django_assert_max_num_queries(30) as large:
        response = client.get(url(cast.hh_sq))
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
