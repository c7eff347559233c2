from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from minzheng.core.models import AuditLog
from minzheng.registry import events
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Membership, Person
from minzheng.registry.services import (
    add_member,
    move_household,
    record_death,
    register_person,
    remove_member,
    update_person,
)


def test_register_person_derives_birth_date_sex_and_audits(cast):
    number = make_id_number("440113", date(1980, 2, 29), 124)
    person = register_person(
        actor=cast.users.town, id_number=number.lower(), name="陈大文", region=cast.village_sq
    )
    assert person.birth_date == date(1980, 2, 29) and person.sex == "F"
    assert person.id_tail == number[-6:] and person.name_initials == "cdw"
    log = AuditLog.objects.get(object_type="registry.person", object_id=str(person.pk))
    assert log.action == "create" and log.actor == cast.users.town


def test_duplicate_id_number_points_to_the_existing_record_masked(cast):
    with pytest.raises(ValidationError) as err:
        register_person(
            actor=cast.users.town, id_number=cast.zhang.id_number, name="另一人", region=cast.village_sq
        )
    message = err.value.message_dict["id_number"][0]
    assert "已登记" in message and "张*明" in message and cast.zhang.id_number not in message
    assert cast.zhang.id_number[:6] + "********" + cast.zhang.id_number[-4:] in message


def test_wrong_check_character_names_the_field(cast):
    number = make_id_number("440113", date(1990, 1, 1), 11)
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        register_person(actor=cast.users.town, id_number=bad, name="钱七", region=cast.village_sq)
    assert "身份证号码" in err.value.message_dict["id_number"][0]


def test_bad_phone_is_refused_naming_the_field(cast):
    with pytest.raises(ValidationError) as err:
        register_person(
            actor=cast.users.town,
            id_number=make_id_number("440113", date(1990, 1, 1), 13),
            name="钱七",
            region=cast.village_sq,
            phone="12345",
        )
    assert "联系电话" in err.value.message_dict["phone"][0]


def test_out_of_scope_and_read_only_roles_cannot_register(cast):
    number = make_id_number("440113", date(1990, 1, 1), 15)
    with pytest.raises(PermissionDenied):
        register_person(actor=cast.users.town_other, id_number=number, name="孙八", region=cast.village_sq)
    with pytest.raises(PermissionDenied):
        register_person(actor=cast.users.leader, id_number=number, name="孙八", region=cast.village_sq)
    assert not Person.objects.filter(id_number=number).exists()


def test_a_person_is_in_one_household_at_a_time_by_database_constraint(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            household=cast.hh_sq2, person=cast.zhang, relation="other", valid_from=date(2020, 1, 1)
        )


def test_add_member_refuses_a_member_of_another_household(cast):
    with pytest.raises(ValidationError) as err:
        add_member(cast.hh_sq2, actor=cast.users.town, person=cast.zhang, relation="other")
    assert "已是家庭户" in err.value.message_dict["person"][0]


def test_add_and_remove_member_publish_household_changed(cast, django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs["change"], kwargs["person"].name))

    events.household_changed.connect(receiver)
    try:
        new = register_person(
            actor=cast.users.town,
            id_number=make_id_number("440113", date(1995, 5, 5), 17),
            name="周九",
            region=cast.village_sq,
        )
        with django_capture_on_commit_callbacks(execute=True):
            add_member(cast.hh_sq2, actor=cast.users.town, person=new, relation="child")
        with django_capture_on_commit_callbacks(execute=True):
            remove_member(cast.hh_sq2, actor=cast.users.town, person=new, reason="迁出")
    finally:
        events.household_changed.disconnect(receiver)
    assert seen == [("member_added", "周九"), ("member_removed", "周九")]
    actions = list(
        AuditLog.objects.filter(object_type="registry.household", object_id=str(cast.hh_sq2.pk)).values_list(
            "action", flat=True
        )
    )
    assert "add_member" in actions and "remove_member" in actions


def test_record_death_ends_membership_and_publishes(cast, django_capture_on_commit_callbacks):
    died = []
    events.person_died.connect(
        lambda sender, **kw: died.append(kw["person"].pk), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record_death(cast.zhang, actor=cast.users.town, death_date=date(2018, 6, 15))
    finally:
        events.person_died.disconnect(dispatch_uid="t")
    assert died == [cast.zhang.pk]
    membership = Membership.objects.get(person=cast.zhang)
    assert membership.valid_to == date(2018, 6, 15) and membership.end_reason == "死亡"
    cast.hh_sq.refresh_from_db()
    assert cast.hh_sq.head is None
    with pytest.raises(ValidationError):
        record_death(cast.zhang, actor=cast.users.town, death_date=date(2018, 6, 16))


def test_move_household_moves_its_members(cast, django_capture_on_commit_callbacks):
    moved = []
    events.person_moved.connect(
        lambda sender, **kw: moved.append(kw["person"].name), weak=False, dispatch_uid="m"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            move_household(
                cast.hh_sq, actor=cast.users.district, region=cast.village_st, address="沙头路九号"
            )
    finally:
        events.person_moved.disconnect(dispatch_uid="m")
    assert sorted(moved) == sorted(["张三明", "李四芳", "张小明"])
    assert set(Person.objects.filter(name__in=moved).values_list("region", flat=True)) == {cast.village_st.pk}


def test_town_caseworker_cannot_move_a_household_out_of_their_town(cast):
    with pytest.raises(PermissionDenied):
        move_household(cast.hh_sq, actor=cast.users.town, region=cast.village_st)


def test_update_person_audits_changes_without_leaking_phone(cast):
    update_person(
        cast.zhang,
        actor=cast.users.town,
        phone="13912345678",
        disability_category="physical",
        disability_grade=2,
    )
    log = AuditLog.objects.filter(
        object_type="registry.person", object_id=str(cast.zhang.pk), action="update"
    ).get()
    assert "13912345678" not in str(log.changes)
    assert log.changes["disability_grade"] == {"before": None, "after": 2}


def test_update_person_refuses_fields_fixed_by_the_id_number(cast):
    with pytest.raises(ValidationError):
        update_person(cast.zhang, actor=cast.users.town, birth_date=date(1999, 1, 1))
