import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from minzheng.accounts.models import User
from minzheng.accounts.roles import Role


def test_lock_out_after_repeated_failed_logins(client, cast):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "cast_town", "password": "wrong-password-1"})
    response = client.post("/admin/login/", {"username": "cast_town", "password": cast.password})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_successful_login_reaches_the_back_office(client, cast):
    response = client.post("/admin/login/?next=/admin/", {"username": "cast_town", "password": cast.password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("password", ["short1", "abcdefghijkl", "1234567890123", "password123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_passes():
    validate_password("Minzheng-2018-ok")


def test_idle_sessions_expire_after_thirty_minutes():
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST


def test_back_office_access_follows_the_role(db):
    staff = User.objects.create(username="t1", role=Role.TOWN)
    public = User.objects.create(username="t2", role=Role.PUBLIC)
    assert staff.is_staff and not public.is_staff
