"""The authorisation matrix: for every role, through the back office, the API and exports,
in-scope records can be read and changed as the role allows, and out-of-scope records can be
neither read, nor changed, nor exported."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from minzheng.core.datasets import export_dataset
from minzheng.registry.models import Person

# role → (may read, may change, may export); scope comes from the cast
MATRIX = {
    "admin": (True, True, True),
    "district": (True, True, True),
    "town": (True, True, True),
    "village": (True, True, True),
    "finance": (True, False, True),
    "leader": (True, False, True),
    "socialorg": (False, False, False),
    "public": (False, False, False),
}
# roles whose scope leaves 沙头 (赵六, household ST-0001) outside
NARROW = {"town", "village"}


def _form(person, phone):
    return {
        "name": person.name,
        "region": person.region_id,
        "residence_region": "",
        "phone": phone,
        "marital_status": person.marital_status,
        "disability_category": "",
        "disability_grade": "",
        "disability_cert_no": "",
        "_save": "保存",
    }


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role", MATRIX)
def test_back_office(client, cast, role):
    may_read, may_change, _ = MATRIX[role]
    user = getattr(cast.users, role)
    client.force_login(user)
    url = f"/admin/registry/person/{cast.zhang.pk}/change/"
    response = client.get(url)
    assert response.status_code == (200 if may_read else 302)
    response = client.post(url, _form(cast.zhang, "13911112222"))
    expected = 302 if may_change else (403 if may_read else 302)
    assert response.status_code == expected
    changed = Person.objects.get(pk=cast.zhang.pk).phone == "13911112222"
    assert changed == may_change
    if may_read and not may_change:
        assert not changed
    if role in NARROW:
        other = f"/admin/registry/person/{cast.zhao.pk}/change/"
        assert client.get(other).status_code == 404
        assert client.post(other, _form(cast.zhao, "13933334444")).status_code == 404
        assert client.get(f"/backoffice/households/{cast.hh_st.pk}/file/").status_code == 404
        assert Person.objects.get(pk=cast.zhao.pk).phone != "13933334444"
        assert "赵六" not in client.get("/admin/registry/person/").content.decode()


@pytest.mark.parametrize("role", MATRIX)
def test_api(cast, role):
    may_read, may_change, _ = MATRIX[role]
    api = _api(getattr(cast.users, role))
    assert api.get(f"/api/v1/persons/{cast.zhang.pk}/").status_code == (200 if may_read else 403)
    response = api.patch(f"/api/v1/persons/{cast.zhang.pk}/", {"phone": "13955556666"}, format="json")
    assert response.status_code == (200 if may_change else 403)
    assert (Person.objects.get(pk=cast.zhang.pk).phone == "13955556666") == may_change
    if role in NARROW:
        assert api.get(f"/api/v1/persons/{cast.zhao.pk}/").status_code == 404
        assert (
            api.patch(f"/api/v1/persons/{cast.zhao.pk}/", {"phone": "13977778888"}, format="json").status_code
            == 404
        )
        assert api.get(f"/api/v1/households/{cast.hh_st.pk}/").status_code == 404
        assert "赵六" not in api.get("/api/v1/persons/").content.decode()
        assert Person.objects.get(pk=cast.zhao.pk).phone != "13977778888"


@pytest.mark.parametrize("role", MATRIX)
def test_export(client, cast, role):
    *_, may_export = MATRIX[role]
    user = getattr(cast.users, role)
    out = io.BytesIO()
    if not may_export:
        with pytest.raises(PermissionDenied):
            export_dataset("persons", out, actor=user, fmt="csv")
    else:
        export_dataset("persons", out, actor=user, fmt="csv")
        text = out.getvalue().decode("utf-8-sig")
        assert cast.zhang.masked_id_number in text and cast.zhang.id_number not in text
        assert ("赵六" in text) == (role not in NARROW)
    client.force_login(user)
    response = client.get("/backoffice/export/persons/", {"format": "csv"})
    assert response.status_code == (200 if may_export else 302 if not MATRIX[role][0] else 403)
    if may_export:
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert "张三明" in body and ("赵六" in body) == (role not in NARROW)
