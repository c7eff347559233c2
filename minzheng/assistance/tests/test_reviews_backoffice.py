"""Back-office pages and API of review and exit: scoped lists (overdue first), the review form,
exit and fraud actions, the exit notice download; masked ID numbers; bounded query counts."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from rest_framework.test import APIClient

from minzheng.assistance.models import ExitNotice, Recovery, Review, ReviewStatus
from minzheng.assistance.services.reviews import schedule_reviews
from minzheng.benefits.models import Entitlement
from minzheng.core.months import Month

from .reviews_payroll import grant_dibao, pay

API = "/api/v1/assistance/reviews/"


@pytest.fixture
def setup(cast, programs):
    """An overdue 低保 review in 市桥 (due 2018-07-01), a later one in 市桥 and one in 沙头."""
    sq = grant_dibao(cast, programs)  # half-yearly: due 2018-07-01 (overdue today)
    sq2 = grant_dibao(cast, programs, household=cast.hh_sq2, income="0", start=Month(2030, 1))  # due 2031
    st = grant_dibao(cast, programs, household=cast.hh_st)
    schedule_reviews(today=date(2018, 3, 1))
    return sq, sq2, st


def login(client, cast, who):
    client.force_login(getattr(cast.users, who))
    return client


def test_due_list_is_scoped_overdue_first_and_masked(client, cast, setup, django_assert_max_num_queries):
    sq, sq2, _ = setup
    login(client, cast, "town")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assistance:reviews"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("张三明") < page.index("王五")  # overdue first
    assert "赵六" not in page  # 沙头 is outside 市桥
    assert sq.person.id_number not in page and sq.person.masked_id_number in page
    assert "已逾期" in page
    response = client.get(reverse("assistance:reviews"), {"overdue": "1"})
    assert "王五" not in response.content.decode()


def test_review_form_records_the_outcome(client, cast, setup):
    sq = setup[0]
    review = Review.objects.get(entitlement=sq, status=ReviewStatus.DUE)
    login(client, cast, "town")
    url = reverse("assistance:review", args=[review.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"outcome": "continue", "findings": " "})
    assert response.status_code == 400 and "findings" in response.context["form"].errors
    response = client.post(url, {"outcome": "exit", "findings": "就业"})
    assert response.status_code == 400 and "区级" in response.content.decode()
    response = client.post(url, {"outcome": "continue", "findings": "入户核查，无变化"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.outcome) == (ReviewStatus.DONE, "continue")


def test_out_of_scope_review_is_404(client, cast, setup):
    st = setup[2]
    review = Review.objects.get(entitlement=st, status=ReviewStatus.DUE)
    login(client, cast, "town")
    assert client.get(reverse("assistance:review", args=[review.pk])).status_code == 404
    assert client.get(reverse("assistance:review-entitlement", args=[st.pk])).status_code == 404


def test_exit_action_with_phase_out_and_notice_download(client, cast, setup):
    sq = setup[0]
    login(client, cast, "district")
    url = reverse("assistance:review-exit", args=[sq.pk])
    response = client.post(url, {"reason": "家庭成员就业", "last_month": "2018-06", "phase_out_months": "8"})
    assert response.status_code == 400 and "渐退期最长6个月" in response.content.decode()
    response = client.post(url, {"reason": "家庭成员就业", "last_month": "2018-06", "phase_out_months": "2"})
    assert response.status_code == 302
    notice = ExitNotice.objects.get(entitlement=sq)
    assert notice.last_payment_month == date(2018, 8, 1)
    page = client.get(reverse("assistance:review-entitlement", args=[sq.pk])).content.decode()
    assert notice.number in page
    response = client.get(reverse("assistance:exit-notice-docx", args=[notice.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    text = "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)
    assert "2个月渐退期" in text and "最后一次发放月份为2018年8月" in text
    login(client, cast, "town_other")
    assert client.get(reverse("assistance:exit-notice-docx", args=[notice.pk])).status_code == 404


def test_fraud_action_is_for_the_district_only(client, cast, programs, setup):
    sq = setup[0]
    pay(cast, programs.dibao, Month(2018, 1), Month(2018, 2))
    url = reverse("assistance:review-fraud", args=[sq.pk])
    login(client, cast, "town")
    assert client.post(url, {"from_month": "2018-01", "reason": "隐瞒收入"}).status_code == 403
    login(client, cast, "district")
    response = client.post(url, {"from_month": "2018-13", "reason": "隐瞒收入"})
    assert response.status_code == 400 and not Recovery.objects.exists()
    assert client.post(url, {"from_month": "2018-01", "reason": "隐瞒收入"}).status_code == 302
    assert Recovery.objects.get().amount == Decimal("3180.00")
    assert Entitlement.objects.get(pk=sq.pk).status == Entitlement.Status.ENDED


def test_suspend_and_resume_actions(client, cast, setup):
    sq = setup[0]
    login(client, cast, "district")
    client.post(
        reverse("assistance:review-suspend", args=[sq.pk]), {"from_month": "2018-04", "reason": "核查中"}
    )
    assert Entitlement.objects.get(pk=sq.pk).status == Entitlement.Status.SUSPENDED
    client.post(
        reverse("assistance:review-resume", args=[sq.pk]), {"from_month": "2018-05", "reason": "核查完毕"}
    )
    assert Entitlement.objects.get(pk=sq.pk).status == Entitlement.Status.ACTIVE


def test_admin_lists_are_scoped(client, cast, setup):
    login(client, cast, "town")
    page = client.get(reverse("admin:assistance_review_changelist")).content.decode()
    assert "张三明" in page and "赵六" not in page
    assert client.get(reverse("admin:assistance_exitnotice_changelist")).status_code == 200
    assert client.get(reverse("admin:assistance_recovery_changelist")).status_code == 200


def test_api_lists_scoped_overdue_first_and_completes(cast, setup, django_assert_max_num_queries):
    sq, sq2, st = setup
    api = APIClient()
    api.force_authenticate(cast.users.town)
    with django_assert_max_num_queries(8):
        rows = api.get(API).json()["results"]
    assert [r["entitlement"] for r in rows] == [sq.pk, sq2.pk]
    assert rows[0]["overdue"] is True and rows[0]["id_number"] == sq.person.masked_id_number
    review = Review.objects.get(entitlement=st, status=ReviewStatus.DUE)
    assert (
        api.post(f"{API}{review.pk}/complete/", {"outcome": "continue", "findings": "x"}).status_code == 404
    )
    mine = rows[0]["id"]
    response = api.post(
        f"{API}{mine}/complete/", {"outcome": "adjust", "findings": "收入变化"}, format="json"
    )
    assert response.status_code == 403
    response = api.post(
        f"{API}{mine}/complete/", {"outcome": "continue", "findings": "无变化"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "done"
    district = APIClient()
    district.force_authenticate(cast.users.district)
    review = Review.objects.get(entitlement=sq, status=ReviewStatus.DUE)
    response = district.post(
        f"{API}{review.pk}/complete/", {"outcome": "adjust", "findings": "收入变化"}, format="json"
    )
    assert response.status_code == 400 and "assessed_income" in str(response.json())
