"""Back-office pages: intake, the list (scoped, masked, overdue flag), the case page and its moves."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document

from minzheng.assistance.models import Application, ApplicationDocument
from minzheng.assistance.services.applications import refuse_application, submit_application

LIST = "/admin/assistance/application/"


@pytest.fixture
def client_as(client, cast):
    def login(name):
        client.force_login(getattr(cast.users, name))
        return client

    return login


@pytest.fixture
def submitted(cast, programs):
    return submit_application(
        actor=cast.users.village,
        program="dibao",
        person=cast.zhang,
        household=cast.hh_sq,
        applied_on=timezone.localdate(),
        reason="无固定收入",
        declared_income=Decimal("1200"),
    )


def test_village_assistant_intake(client_as, cast, programs):
    client = client_as("village")
    assert client.get("/assistance/applications/new/").status_code == 200
    form = {
        "id_number": cast.zhang.id_number.lower(),
        "program": "dibao",
        "applied_on": str(timezone.localdate()),
        "declared_income": "1200",
        "reason": "夫妻无业",
    }
    response = client.post("/assistance/applications/new/", form)
    application = Application.objects.get()
    assert response.status_code == 302 and response.url == f"/assistance/applications/{application.pk}/"
    assert application.household == cast.hh_sq and application.created_by == cast.users.village
    # the service's messages land on the form: second open application, person out of scope
    response = client.post("/assistance/applications/new/", form)
    assert response.status_code == 400
    assert "张三明已有一件“最低生活保障”申请正在办理" in response.content.decode()
    response = client.post("/assistance/applications/new/", {**form, "id_number": cast.zhao.id_number})
    assert "在您管辖范围内的户籍人员中没有该身份证号码" in response.content.decode()
    response = client.post("/assistance/applications/new/", {**form, "program": "orphan"})
    assert "已满18周岁" in response.content.decode()


def test_finance_cannot_open_the_intake(client_as):
    assert client_as("finance").get("/assistance/applications/new/").status_code == 403


def test_list_is_scoped_masked_and_flags_overdue(client_as, cast, submitted, monkeypatch):
    client = client_as("town")
    page = client.get(LIST).content.decode()
    assert submitted.number in page and cast.zhang.masked_id_number in page
    assert cast.zhang.id_number not in page and "overdue-flag" not in page
    assert submitted.number not in client_as("town_other").get(LIST).content.decode()
    later = datetime(2099, 1, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: later)
    client = client_as("town")
    page = client.get(LIST).content.decode()
    assert "overdue-flag" in page
    assert submitted.number in client.get(LIST, {"overdue": "yes"}).content.decode()
    assert submitted.number not in client.get(LIST, {"overdue": "no"}).content.decode()
    assert submitted.number in client.get(LIST, {"program__exact": "dibao"}).content.decode()


def test_case_page_shows_exactly_the_users_moves(client_as, cast, submitted):
    url = f"/assistance/applications/{submitted.pk}/"
    page = client_as("town").get(url).content.decode()
    for name in ("accept", "missing_items", "refuse", "withdraw"):
        assert f'id="move-{name}"' in page
    # members listed; the child (born 2010) masked in the list even for the town
    assert 'id="move-investigate"' not in page and "张**" in page and "张小明" not in page
    page = client_as("village").get(url).content.decode()
    assert 'id="move-accept"' not in page and 'id="move-withdraw"' in page
    assert client_as("town_other").get(url).status_code == 404
    # a move that needs reasons shows the error on its form
    response = client_as("town").post(f"{url}moves/refuse/", {"refuse-opinion": ""})
    assert response.status_code == 400
    response = client_as("town").post(f"{url}moves/accept/", {"accept-opinion": "材料齐全"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "accepted"
    # a move the role may not make is refused with the reason
    response = client_as("village").post(f"{url}moves/decide/", {"decide-decision": "approve"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "accepted"


def test_document_upload_and_download(client_as, cast, submitted, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = f"/assistance/applications/{submitted.pk}/documents/"
    client = client_as("village")
    bad = client.post(url, {"kind": "authorisation", "file": SimpleUploadedFile("a.exe", b"MZ")})
    assert bad.status_code == 400 and "只能上传" in bad.content.decode()
    ok = client.post(
        url,
        {"kind": "authorisation", "file": SimpleUploadedFile("授权书.pdf", b"%PDF-1.4"), "note": "已签字"},
    )
    assert ok.status_code == 302
    document = ApplicationDocument.objects.get()
    assert document.uploaded_by == cast.users.village
    response = client.get(f"/assistance/applications/documents/{document.pk}/")
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    assert (
        client_as("town_other").get(f"/assistance/applications/documents/{document.pk}/").status_code == 404
    )


def test_refusal_letter_download(client_as, cast, submitted):
    refuse_application(submitted, actor=cast.users.town, reasons="非本区户籍")
    response = client_as("town").get(f"/assistance/applications/{submitted.pk}/")
    assert 'id="letter-link"' in response.content.decode()
    response = client_as("town").get(f"/assistance/applications/{submitted.pk}/letter/")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "不予批准通知书" in text and "非本区户籍" in text
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in text
