"""Children's names on shared screens (RULES.md §5): a person under 18 is 张** in entitlement and
payment-line lists, in the stats drill-down and its XLSX export, and in the API lists; on the
entitlement page a role with `pii.reveal` sees the full name and that view is audited.

The cast's 张三明 (adult) and a child registered here (李小红, eight years old today) each get a
fixed monthly allowance paid in an approved run of 2018-01.
"""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.benefits.models import Scheme
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import create_scheme, grant_entitlement, set_bank_account, set_standard
from minzheng.core.masking import display_name, is_minor, mask_child_name
from minzheng.core.models import AuditLog
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import register_person

CHILD = "李小红"
MASKED = "李**"
ADULT = "张三明"


def _years_ago(years: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28))


@pytest.fixture
def paid(cast):
    actor = cast.users.district
    scheme = create_scheme(actor=actor, code="allowance", name="测试生活补贴", kind=Scheme.Kind.FIXED)
    set_standard(
        actor=actor,
        scheme=scheme,
        region=cast.district,
        valid_from=Month(2018, 1),
        amount=Decimal("500"),
        document="测试〔2018〕1号",
    )
    child = register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", _years_ago(8), 71),
        name=CHILD,
        region=cast.village_sq,
    )
    entitlements = {}
    for person in (child, cast.zhang):
        set_bank_account(
            actor=actor,
            person=person,
            bank_name="农村商业银行",
            account_name=person.name,
            account_number=f"62220000{person.pk:010d}",
        )
        entitlements[person.name] = grant_entitlement(
            actor=actor, scheme=scheme, person=person, start_month=Month(2018, 1)
        )
    run = get_or_create_run(scheme, Month(2018, 1), actor=cast.users.finance)
    build_run(run, actor=cast.users.finance)
    approve_run(run, actor=actor)
    return {"child": child, "run": run, "entitlements": entitlements}


def _page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_masking_rule_follows_the_age_on_the_day_of_viewing(cast, paid):
    child = paid["child"]
    assert is_minor(child) and not is_minor(cast.zhang)
    assert display_name(child) == MASKED == mask_child_name(CHILD)
    assert display_name(cast.zhang) == ADULT
    # the same child seen on the day of the 18th birthday is an adult
    eighteen = child.birth_date.replace(year=child.birth_date.year + 18)
    assert display_name(child, on=eighteen) == CHILD


def test_entitlement_list_masks_the_child_and_shows_the_adult(client, cast, paid):
    html = _page(client, cast.users.town, reverse("admin:benefits_entitlement_changelist"))
    assert MASKED in html and ADULT in html
    assert CHILD not in html


def test_entitlement_page_masks_the_child_for_roles_without_reveal(client, cast, paid):
    pk = paid["entitlements"][CHILD].pk
    html = _page(client, cast.users.village, reverse("benefits:entitlement", args=[pk]))
    assert MASKED in html and CHILD not in html
    assert not AuditLog.objects.filter(action="reveal", object_id=str(paid["child"].pk)).exists()


def test_entitlement_page_shows_the_child_to_reveal_roles_and_audits_it(client, cast, paid):
    pk = paid["entitlements"][CHILD].pk
    html = _page(client, cast.users.town, reverse("benefits:entitlement", args=[pk]))
    assert CHILD in html
    log = AuditLog.objects.get(action="reveal", object_id=str(paid["child"].pk))
    assert log.actor == cast.users.town and log.changes == {"field": "name"}
    # an adult's page is not a reveal
    _page(client, cast.users.town, reverse("benefits:entitlement", args=[paid["entitlements"][ADULT].pk]))
    assert AuditLog.objects.filter(action="reveal").count() == 1


def test_payment_lines_of_a_run_mask_the_child(client, cast, paid):
    html = _page(client, cast.users.district, reverse("benefits:run", args=[paid["run"].pk]))
    assert MASKED in html and ADULT in html
    assert CHILD not in html


def test_bank_account_list_masks_the_child_holder(client, cast, paid):
    html = _page(client, cast.users.district, reverse("admin:benefits_bankaccount_changelist"))
    assert MASKED in html and ADULT in html
    assert CHILD not in html


def test_api_list_masks_the_child(client, cast, paid):
    client.force_login(cast.users.district)
    response = client.get("/api/v1/entitlements/")
    assert response.status_code == 200, response.content[:300]
    names = {row["person_name"] for row in response.json()["results"]}
    assert names == {MASKED, ADULT}


@pytest.mark.parametrize("indicator", ["benefits.person_times", "benefits.recipients"])
def test_drilldown_masks_the_child(client, cast, paid, indicator):
    url = reverse("stats:records", args=[indicator])
    html = _page(client, cast.users.district, url, period="2018-01", region=cast.district.code)
    assert 'id="records-table"' in html
    assert MASKED in html and ADULT in html
    assert CHILD not in html


def test_drilldown_export_masks_the_child(client, cast, paid):
    client.force_login(cast.users.district)
    url = reverse("stats:records", args=["benefits.person_times"])
    response = client.get(url, {"period": "2018-01", "region": cast.district.code, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    cells = [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value]
    text = "\n".join(cells)
    assert MASKED in text and ADULT in text
    assert CHILD not in text


def test_the_register_audit_log_does_not_keep_a_childs_full_name(cast):
    from minzheng.registry.models import Membership
    from minzheng.registry.services import add_member, remove_member, update_person

    child = register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", _years_ago(6), 72),
        name=CHILD,
        region=cast.village_sq,
        phone="13800138000",
    )
    add_member(cast.hh_sq, actor=cast.users.admin, person=child, relation=Membership.Relation.CHILD)
    update_person(child, actor=cast.users.admin, name="李小虹")
    remove_member(cast.hh_sq, actor=cast.users.admin, person=child, reason="迁出")
    logs = AuditLog.objects.filter(action__in=["create", "add_member", "update", "remove_member"])
    written = [str(log.changes) + log.object_repr for log in logs]
    assert len(written) >= 4
    assert not any(name in text for text in written for name in (CHILD, "李小虹", "13800138000"))
    assert any(MASKED in str(log.changes) for log in logs.filter(action="add_member"))
    # an adult's name stays whole: the log must still say who it was about
    add_member(
        cast.hh_sq,
        actor=cast.users.admin,
        person=register_person(
            actor=cast.users.admin,
            id_number=make_id_number("440113", date(1960, 5, 5), 73),
            name="李大成",
            region=cast.village_sq,
        ),
        relation=Membership.Relation.PARENT,
    )
    assert "李大成" in str(AuditLog.objects.filter(action="add_member").latest("pk").changes)


def test_a_grant_to_a_child_is_audited_without_the_full_name(cast, paid):
    grants = [str(log.changes) for log in AuditLog.objects.filter(action="grant")]
    assert any(MASKED in text for text in grants) and any(ADULT in text for text in grants)
    assert not any(CHILD in text for text in grants)
