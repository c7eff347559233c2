"""困境儿童 profiles and one-off education grants: one per child and school year."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from minzheng.assistance.models import ChildProfile, EducationGrant
from minzheng.assistance.services.children import (
    grant_education_grant,
    register_child_profile,
    update_child_profile,
)
from minzheng.benefits.models import AmountPeriod
from minzheng.benefits.services import grant_entitlement
from minzheng.core.months import Month
from minzheng.registry.models import Person


@pytest.fixture
def kid(cast):
    return Person.objects.get(name="张小明")


@pytest.fixture
def profile(cast, programs, kid):
    return register_child_profile(
        actor=cast.users.town,
        person=kid,
        category="in_difficulty",
        guardian=cast.zhang,
        guardian_relation="parent",
        school="市桥中心小学",
    )


SEPTEMBER = Month(2018, 9)


def _grant(cast, profile, year, amount="2000", month=SEPTEMBER):
    return grant_education_grant(
        actor=cast.users.district,
        child=profile,
        amount=Decimal(amount),
        school_year=year,
        reason="家庭经济困难",
        month=month,
    )


def test_profile_rules(cast, programs, kid, profile):
    assert profile.region == cast.village_sq and str(profile) == "张**（困境儿童）"
    with pytest.raises(ValidationError) as error:
        register_child_profile(actor=cast.users.town, person=kid, category="orphan", guardian_name="某某")
    assert "person" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # an adult
        register_child_profile(
            actor=cast.users.town, person=cast.zhang, category="orphan", guardian_name="某某"
        )
    assert "18" in error.value.message_dict["person"][0]
    with pytest.raises(PermissionDenied):
        register_child_profile(
            actor=cast.users.town_other, person=kid, category="orphan", guardian_name="某某"
        )
    with pytest.raises(ValidationError) as error:
        update_child_profile(profile, actor=cast.users.town, guardian=None, guardian_name="")
    assert "guardian_name" in error.value.message_dict
    update_child_profile(profile, actor=cast.users.village, school="东城小学")
    assert ChildProfile.objects.get(pk=profile.pk).school == "东城小学"


def test_a_grant_is_a_one_off_payment_of_its_amount(cast, programs, profile):
    grant = _grant(cast, profile, 2018, "1234.50")
    entitlement = grant.entitlement
    assert entitlement.scheme.code == "children_education"
    assert entitlement.start_month == entitlement.end_month == date(2018, 9, 1)
    assert list(AmountPeriod.objects.filter(entitlement=entitlement).values_list("amount", flat=True)) == [
        Decimal("1234.50")
    ]
    assert grant.school_year_label == "2018—2019学年" and grant.region == cast.village_sq


def test_one_grant_per_child_and_school_year(cast, programs, profile):
    _grant(cast, profile, 2017, month=Month(2018, 3))
    _grant(cast, profile, 2018)
    with pytest.raises(ValidationError) as error:
        _grant(cast, profile, 2018, month=Month(2018, 10))
    assert "2018—2019学年已发放" in error.value.message_dict["school_year"][0]
    assert EducationGrant.objects.filter(child=profile).count() == 2

    # the database refuses it too, whatever the caller
    other = grant_entitlement(
        actor=cast.users.district,
        scheme=programs.children_education,
        person=profile.person,
        start_month=Month(2018, 11),
        fixed_amount=Decimal("100"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        EducationGrant.objects.create(
            child=profile,
            school_year=2018,
            amount=Decimal("100"),
            reason="x",
            region=profile.region,
            entitlement=other,
        )


def test_bad_grants_are_refused_with_the_field(cast, programs, profile):
    with pytest.raises(ValidationError) as error:
        _grant(cast, profile, 2018, "0")
    assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _grant(cast, profile, 18)
    assert "school_year" in error.value.message_dict
    with pytest.raises(PermissionDenied):  # a town caseworker does not decide money
        grant_education_grant(
            actor=cast.users.town, child=profile, amount=Decimal("1000"), school_year=2018, reason="困难"
        )
    assert not EducationGrant.objects.exists()
