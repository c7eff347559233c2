"""Children's names in the assistance screens (RULES.md §5): a person under 18 is 张** in the
applications API list, the admin changelist, the task inbox, the household file and the audit
rows' object text; a detail page shows the full name only to a role with `pii.reveal`, and that
view is audited (`reveal`). An adult's name is shown in full."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from minzheng.assistance.services.applications import submit_application
from minzheng.core.audit import AuditLog, object_type
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Person
from minzheng.registry.services import add_member, register_person

API = "/api/v1/assistance/applications/"
CHILD, MASKED = "张小明", "张**"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def child(cast):
    return cast.hh_sq.memberships.get(relation="child").person  # 张小明, born 2010


@pytest.fixture
def orphan_application(cast, programs, child):
    return submit_application(
        actor=cast.users.village,
        program="orphan",
        person=child,
        household=cast.hh_sq,
        applied_on=date(2018, 3, 1),
        reason="父母双亡",
        declared_income=Decimal("0"),
    )


@pytest.fixture
def adult_application(cast, programs):
    return submit_application(
        actor=cast.users.village,
        program="dibao",
        person=cast.zhang,
        household=cast.hh_sq,
        applied_on=timezone.localdate(),
        reason="无固定收入",
        declared_income=Decimal("300"),
    )


def _reveals(actor, person):
    return AuditLog.objects.filter(
        actor=actor, action="reveal", object_type=object_type(Person), object_id=str(person.pk)
    )


def test_the_api_list_masks_the_child(cast, orphan_application):
    response = api_for(cast.users.town).get(API)
    assert response.status_code == 200
    (row,) = [r for r in response.json()["results"] if r["id"] == orphan_application.pk]
    assert row["person_name"] == MASKED
    assert CHILD not in response.content.decode()


def test_the_api_detail_shows_the_full_name_only_with_pii_reveal(cast, orphan_application, child):
    url = f"{API}{orphan_application.pk}/"
    village = api_for(cast.users.village).get(url)
    assert village.status_code == 200 and village.json()["person_name"] == MASKED
    assert not _reveals(cast.users.village, child).exists()

    district = api_for(cast.users.district).get(url)
    assert district.json()["person_name"] == CHILD
    assert _reveals(cast.users.district, child).count() == 1


def test_the_admin_changelist_masks_the_child(client, cast, orphan_application):
    client.force_login(cast.users.town)
    page = client.get(reverse("admin:assistance_application_changelist")).content.decode()
    assert orphan_application.number in page
    assert MASKED in page and CHILD not in page


def test_the_inbox_masks_the_child(client, cast, orphan_application):
    client.force_login(cast.users.town)
    page = client.get(reverse("workflow:inbox")).content.decode()
    assert orphan_application.number in page  # 已申请 waits for the town
    program = orphan_application.get_program_display()
    assert f"{orphan_application.number} {program} {MASKED}" in page
    assert CHILD not in page


def test_audit_rows_name_the_child_masked(cast, orphan_application):
    rows = AuditLog.objects.filter(
        object_type=object_type(orphan_application), object_id=str(orphan_application.pk)
    )
    assert rows.exists()
    assert all(MASKED in row.object_repr for row in rows)
    assert not AuditLog.objects.filter(object_repr__contains=CHILD).exists()


def test_the_case_page_reveals_to_the_district_and_audits_it(client, cast, orphan_application, child):
    url = reverse("assistance:application", args=[orphan_application.pk])
    client.force_login(cast.users.village)  # no `pii.reveal`
    page = client.get(url).content.decode()
    assert MASKED in page and CHILD not in page
    assert not _reveals(cast.users.village, child).exists()

    client.force_login(cast.users.district)
    page = client.get(url).content.decode()
    assert CHILD in page
    reveal = _reveals(cast.users.district, child).get()
    assert reveal.changes == {"field": "name"}


def test_an_adults_name_is_shown_in_full(client, cast, adult_application):
    response = api_for(cast.users.town).get(API)
    (row,) = [r for r in response.json()["results"] if r["id"] == adult_application.pk]
    assert row["person_name"] == "张三明"
    client.force_login(cast.users.town)
    page = client.get(reverse("admin:assistance_application_changelist")).content.decode()
    assert "张三明" in page
    assert "张三明" in str(adult_application)
    assert not AuditLog.objects.filter(action="reveal").exists()  # an adult is never "revealed"


def test_the_household_file_masks_everyone_under_18_not_only_under_14(client, cast):
    """A 16-year-old (born 16 years ago, whatever today is) is a child: 张** on the household file."""
    today = timezone.localdate()
    born = today.replace(year=today.year - 16, day=min(today.day, 28))
    teen = register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", born, 71),
        name="张少年",
        region=cast.village_sq,
    )
    add_member(cast.hh_sq, actor=cast.users.admin, person=teen, relation="child", since=born)
    client.force_login(cast.users.town)
    page = client.get(reverse("assistance:household-file", args=[cast.hh_sq.pk])).content.decode()
    # the page up to its audit trail (whose `changes` column shows what the registry recorded)
    sections = page.split("操作记录")[0]
    assert "张少年" not in sections and CHILD not in sections
    assert "张**" in sections and "张三明" in sections
