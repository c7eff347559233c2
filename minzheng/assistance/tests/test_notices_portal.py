"""The public notice page and the printed notice: running notices only, and nothing but the
fields RULES.md §5 allows (no ID number, phone, bank account, disability detail, child's name)."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from minzheng.assistance.models import Notice
from minzheng.assistance.programs import scheme_for
from minzheng.benefits.services import grant_entitlement
from minzheng.core.masking import mask_bank_account, mask_phone
from minzheng.core.models import AuditLog
from minzheng.core.months import Month

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
    on_day,
    sensitive_household,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(cast, programs):
    return sensitive_household(cast)


NEUTRAL = "困难群众生活补贴"
#: Words that tell the village a member is disabled or needs care (RULES.md §5).
DISABILITY_WORDS = ["残疾", "护理"]


@pytest.fixture
def board(cast, family):
    """低保 for the family, 重度残疾人护理补贴 for the disabled spouse, 困境儿童 for the child."""
    dibao = dibao_in_notice(cast, family)
    nursing = in_notice(cast, program="nursing_subsidy", person=family.spouse)
    child = in_notice(cast, program="children_subsidy", person=family.child)
    notice = dibao.notices.get()
    url = reverse("notices:board", args=[cast.village_sq.code, f"{notice.month:%Y-%m}"])
    return dibao, nursing, child, notice, url


def forbidden_strings(family) -> list[str]:
    persons = [family.head, family.spouse, family.child]
    out = [HEAD_NAME, SPOUSE_NAME, CHILD_NAME, HEAD_PHONE, SPOUSE_PHONE, mask_phone(HEAD_PHONE)]
    out += [BANK_ACCOUNT, mask_bank_account(BANK_ACCOUNT), BANK_ACCOUNT[-8:], DISABILITY_CERT]
    out += [p.id_number for p in persons] + [p.id_number[-6:] for p in persons]
    out += [p.masked_id_number for p in persons]
    out += ["肢体", "一级", "1级", "残疾等级", "残疾类别", "市桥街九号", family.household.number]
    return out


def docx_text(content: bytes) -> str:
    document = Document(BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_page_shows_the_running_notices_with_the_allowed_fields(client, board):
    *_, notice, url = board
    html = client.get(url).content.decode()
    assert "陈*伟" in html and "1940.00" in html and "测试一居委会" in html
    # the nursing subsidy is published under the neutral label, never its own name
    assert "最低生活保障" in html and NEUTRAL in html and "困境儿童生活补贴" in html
    assert html.count("陈*伟") == 2  # 低保 and the spouse's subsidy, both under the head's masked name
    assert "儿童" in html  # the child's subsidy names nobody
    assert f"{notice.published_on.month}月{notice.published_on.day}日" in html
    assert "如有异议" in html
    assert html.index("最低生活保障") < html.index(NEUTRAL) < html.index("困境儿童生活补贴")


def test_the_page_and_the_printed_notice_never_show_sensitive_data(client, cast, family, board):
    *_, notice, url = board
    html = client.get(url).content.decode()
    client.force_login(cast.users.town)
    response = client.get(
        reverse("assistance:notice-print", args=[cast.village_sq.pk, f"{notice.month:%Y-%m}"])
    )
    assert response.status_code == 200
    text = docx_text(response.content)
    assert "陈*伟" in text and "1940.00" in text and "公" in text and "异议" in text
    for value in forbidden_strings(family) + DISABILITY_WORDS:
        assert value not in html, value
        assert value not in text, value
    assert f"救助项目：{NEUTRAL}" in text


def test_the_living_subsidy_is_published_under_the_same_neutral_label(client, cast, family):
    """困难残疾人生活补贴 of a member of a 低保 household: the board says neither 残疾 nor 护理."""
    grant_entitlement(
        actor=cast.users.district,
        scheme=scheme_for("dibao"),
        person=family.head,
        household=family.household,
        start_month=Month.of(timezone.localdate()) - 2,
        assessed_income=Decimal("1000"),
    )
    living = in_notice(cast, program="living_subsidy", person=family.spouse)
    nursing = in_notice(cast, program="nursing_subsidy", person=family.spouse)
    notice = living.notices.get()
    assert notice.program_name == nursing.notices.get().program_name == NEUTRAL
    url = reverse("notices:board", args=[cast.village_sq.code, f"{notice.month:%Y-%m}"])
    html = client.get(url).content.decode()
    client.force_login(cast.users.town)
    response = client.get(
        reverse("assistance:notice-print", args=[cast.village_sq.pk, f"{notice.month:%Y-%m}"])
    )
    text = docx_text(response.content)
    for shown in (html, text):
        assert shown.count(NEUTRAL) == 1  # one section holds both subsidies
        assert shown.count("陈*伟") == 2
        for word in DISABILITY_WORDS + ["困难残疾人生活补贴", "重度残疾人护理补贴"]:
            assert word not in shown, word


def test_a_notice_stored_under_the_old_name_still_prints_neutrally(client, cast, family):
    application = in_notice(cast, program="nursing_subsidy", person=family.spouse)
    notice = application.notices.get()
    Notice.objects.filter(pk=notice.pk).update(program_name="重度残疾人护理补贴")
    url = reverse("notices:board", args=[cast.village_sq.code, f"{notice.month:%Y-%m}"])
    html = client.get(url).content.decode()
    assert NEUTRAL in html and "残疾" not in html and "护理" not in html


def test_an_expired_notice_is_taken_down_without_a_job(client, cast, family, monkeypatch):
    """Opened 10 days ago: past its 7 days, not yet closed by the daily command, yet not shown."""
    today = timezone.localdate()
    with on_day(today - timedelta(days=10), monkeypatch):
        old = dibao_in_notice(cast, family).notices.get()
    fresh = in_notice(cast, program="nursing_subsidy", person=family.spouse).notices.get()
    assert old.status == Notice.Status.OPEN and old.ends_on < today
    for notice in (old, fresh):
        url = reverse("notices:board", args=[cast.village_sq.code, f"{notice.month:%Y-%m}"])
        html = client.get(url).content.decode()
        if notice is old:
            assert "1940.00" not in html and "最低生活保障" not in html
        else:
            assert NEUTRAL in html


def test_the_choice_pages_lead_from_town_to_village_to_month(client, cast, board):
    *_, notice, url = board
    html = client.get(reverse("notices:index")).content.decode()
    assert cast.shiqiao.name in html
    html = client.get(reverse("notices:index"), {"town": cast.shiqiao.code}).content.decode()
    assert cast.village_sq.name in html and "3户公示中" in html
    html = client.get(reverse("notices:index"), {"village": cast.village_sq.code}).content.decode()
    assert url in html


def test_unknown_village_or_month_is_404(client, cast):
    assert client.get(reverse("notices:board", args=["999999999999", "2018-07"])).status_code == 404
    assert client.get(reverse("notices:board", args=[cast.village_sq.code, "2018-13"])).status_code == 404
    assert client.get(reverse("notices:index"), {"town": "nope"}).status_code == 404


def test_the_public_page_runs_a_fixed_number_of_queries(client, cast, board, django_assert_max_num_queries):
    *_, url = board
    with django_assert_max_num_queries(4):
        assert client.get(url).status_code == 200


def test_printing_is_logged_and_scoped(client, cast, board):
    *_, notice, _url = board
    url = reverse("assistance:notice-print", args=[cast.village_sq.pk, f"{notice.month:%Y-%m}"])
    client.force_login(cast.users.town_other)
    assert client.get(url).status_code == 404
    client.force_login(cast.users.village)
    assert client.get(url).status_code == 200
    assert AuditLog.objects.filter(action="export", actor=cast.users.village, changes__entries=3).exists()
