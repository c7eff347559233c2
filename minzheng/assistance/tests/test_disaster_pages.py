"""防灾减灾救灾 back-office pages: closing a shelter and recording the end of an event call their
services (scope, date checks, audit), show the services' Chinese errors, and 404 out of scope."""

from datetime import date

import pytest
from django.urls import reverse

from minzheng.assistance.models import DisasterEvent, ShelterOpening
from minzheng.assistance.services.disaster import open_shelter, record_event
from minzheng.core.models import AuditLog

pytestmark = pytest.mark.django_db

MANGKHUT = date(2018, 9, 16)


@pytest.fixture
def event(cast):
    return record_event(
        actor=cast.users.district,
        name="台风“山竹”",
        kind="typhoon",
        warning_level="red",
        started_on=MANGKHUT,
        affected_towns=[cast.shiqiao, cast.shatou],
    )


@pytest.fixture
def shelters(cast, event):
    def shelter(place, region, people):
        return open_shelter(
            actor=cast.users.district,
            event=event,
            place=place,
            region=region,
            opened_on=MANGKHUT,
            people_sheltered=people,
        )

    return shelter("市桥第一小学", cast.village_sq, 120), shelter("沙头文化站", cast.village_st, 40)


def close_url(shelter):
    return reverse("assistance:disaster-shelter-close", args=[shelter.pk])


def test_the_town_closes_its_shelter_through_the_service(client, cast, shelters):
    mine, _ = shelters
    client.force_login(cast.users.town)
    page = client.get(close_url(mine))
    assert page.status_code == 200
    text = page.content.decode()
    assert "市桥第一小学" in text and "台风“山竹”" in text and 'id="disaster-form"' in text
    done = client.post(close_url(mine), {"closed_on": "2018-09-19", "people_sheltered": "356"})
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:assistance_shelteropening_change", args=[mine.pk])
    mine.refresh_from_db()
    assert (mine.closed_on, mine.people_sheltered) == (date(2018, 9, 19), 356)
    audit = AuditLog.objects.get(action="shelter_close")
    assert (audit.actor, audit.object_id) == (cast.users.town, str(mine.pk))
    again = client.post(close_url(mine), {"closed_on": "2018-09-20"})  # closed once only
    assert again.status_code == 400 and "已于2018-09-19关闭" in again.content.decode()


def test_people_left_blank_keeps_the_recorded_number(client, cast, shelters):
    mine, _ = shelters
    client.force_login(cast.users.village)
    assert client.post(close_url(mine), {"closed_on": "2018-09-18"}).status_code == 302
    mine.refresh_from_db()
    assert (mine.closed_on, mine.people_sheltered) == (date(2018, 9, 18), 120)


def test_bad_dates_are_refused_with_the_field(client, cast, shelters):
    mine, _ = shelters
    client.force_login(cast.users.town)
    early = client.post(close_url(mine), {"closed_on": "2018-09-10"})
    assert early.status_code == 400 and "关闭日期不能早于启用日期" in early.content.decode()
    future = client.post(close_url(mine), {"closed_on": "2999-01-01"})
    assert future.status_code == 400 and "关闭日期不能晚于今天" in future.content.decode()
    negative = client.post(close_url(mine), {"closed_on": "2018-09-18", "people_sheltered": "-1"})
    assert negative.status_code == 400
    mine.refresh_from_db()
    assert mine.closed_on is None
    assert not AuditLog.objects.filter(action="shelter_close").exists()


def test_another_towns_shelter_is_404(client, cast, shelters):
    _, theirs = shelters
    client.force_login(cast.users.town)
    assert client.get(close_url(theirs)).status_code == 404
    assert client.post(close_url(theirs), {"closed_on": "2018-09-18"}).status_code == 404
    assert ShelterOpening.objects.get(pk=theirs.pk).closed_on is None


def test_roles_without_the_right_cannot_open_the_pages(client, cast, event, shelters):
    client.force_login(cast.users.leader)
    assert client.get(close_url(shelters[0])).status_code == 403
    assert client.get(reverse("assistance:disaster-event-end", args=[event.pk])).status_code == 403
    client.logout()
    assert client.get(close_url(shelters[0])).status_code == 302  # to the login


def test_the_district_records_the_end_of_the_event(client, cast, event):
    url = reverse("assistance:disaster-event-end", args=[event.pk])
    client.force_login(cast.users.district)
    assert "沙头街道" in client.get(url).content.decode()
    too_early = client.post(url, {"ended_on": "2018-09-01"})
    assert too_early.status_code == 400 and "不能早于灾害开始日期" in too_early.content.decode()
    assert client.post(url, {"ended_on": "2018-09-20"}).status_code == 302
    event.refresh_from_db()
    assert event.ended_on == date(2018, 9, 20)
    audit = AuditLog.objects.get(action="disaster_event_end")
    assert audit.actor == cast.users.district


def test_a_town_cannot_end_an_event_that_affected_other_towns(client, cast, event):
    url = reverse("assistance:disaster-event-end", args=[event.pk])
    client.force_login(cast.users.town)
    refused = client.post(url, {"ended_on": "2018-09-20"})
    assert refused.status_code == 400 and "沙头街道不在您的管辖范围内" in refused.content.decode()
    assert DisasterEvent.objects.get(pk=event.pk).ended_on is None


def test_a_town_ends_its_own_event_and_cannot_see_others(client, cast):
    own = record_event(
        actor=cast.users.town,
        name="市桥内涝",
        kind="flood",
        started_on=date(2018, 6, 8),
        affected_towns=[cast.shiqiao],
    )
    other = record_event(
        actor=cast.users.district,
        name="沙头内涝",
        kind="flood",
        started_on=date(2018, 6, 8),
        affected_towns=[cast.shatou],
    )
    client.force_login(cast.users.town)
    assert (
        client.post(
            reverse("assistance:disaster-event-end", args=[own.pk]), {"ended_on": "2018-06-10"}
        ).status_code
        == 302
    )
    assert client.get(reverse("assistance:disaster-event-end", args=[other.pk])).status_code == 404


def test_the_admin_lists_link_to_the_pages(client, cast, event, shelters):
    client.force_login(cast.users.town)
    shelters_page = client.get(reverse("admin:assistance_shelteropening_changelist")).content.decode()
    assert close_url(shelters[0]) in shelters_page and close_url(shelters[1]) not in shelters_page
    events_page = client.get(reverse("admin:assistance_disasterevent_changelist")).content.decode()
    assert reverse("assistance:disaster-event-end", args=[event.pk]) in events_page
    detail = client.get(reverse("admin:assistance_disasterevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert reverse("assistance:disaster-event-end", args=[event.pk]) in detail.content.decode()
