"""A town caseworker's day in the real back office, driven in Chromium."""

from datetime import date

import pytest

from minzheng.accounts.models import User
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Membership, Person, Region
from minzheng.registry.services import register_person

pytestmark = pytest.mark.browser


def test_caseworker_finds_household_adds_member_and_sees_history(page, login_as):
    town = User.objects.get(username="cast_town")
    village = Region.objects.get(code="440113007001")
    newcomer = register_person(
        actor=town, id_number=make_id_number("440113", date(1999, 9, 9), 55), name="罗新来", region=village
    )
    wang = Person.objects.get(name="王五")

    login_as("town")
    assert "市桥街道 工作概况" in page.inner_text("body")

    page.goto("/admin/registry/household/")
    page.fill("input[name=q]", wang.id_number)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "SQ-0002" in page.inner_text("#result_list")
    assert "SQ-0001" not in page.inner_text("#result_list")
    with page.expect_navigation():
        page.click("text=SQ-0002")
    page.wait_for_selector("#household-file")
    assert "王五" in page.inner_text("#current-members")
    assert wang.id_number not in page.content()  # masked on screen

    # a wrong ID number is refused with the field named
    page.fill("#id_add-id_number", newcomer.id_number[:-1] + ("1" if newcomer.id_number[-1] != "1" else "2"))
    page.select_option("#id_add-relation", "child")
    page.click("#add-member-form button[type=submit]")
    page.wait_for_selector("#add-member-form >> text=身份证号码校验位不正确")

    page.fill("#id_add-id_number", newcomer.id_number)
    page.select_option("#id_add-relation", "child")
    page.click("#add-member-form button[type=submit]")
    page.wait_for_selector("text=已将罗新来加入本户")
    assert "罗新来" in page.inner_text("#current-members")
    history = page.inner_text("#household-history")
    assert "成员入户" in history and "罗新来" in history
    assert Membership.objects.filter(
        person=newcomer, household__number="SQ-0002", valid_to__isnull=True
    ).exists()


def test_reveal_shows_the_full_id_number_on_click(page, login_as):
    zhang = Person.objects.get(name="张三明")
    login_as("town")
    page.goto(f"/admin/registry/person/{zhang.pk}/change/")
    assert zhang.id_number not in page.content()
    page.click("text=显示完整")
    page.wait_for_selector(".mz-revealed")
    assert page.inner_text(".mz-revealed") == zhang.id_number


def test_wrong_id_number_on_the_person_form_shows_the_error(page, login_as):
    login_as("town")
    page.goto("/admin/registry/person/add/")
    page.fill("input[name=id_number]", "110105194912310021")
    page.fill("input[name=name]", "钱多多")
    page.select_option("select[name=region]", label="测试一居委会")
    page.click("button[name=_save]")
    page.wait_for_selector("text=身份证号码校验位不正确")
    assert not Person.objects.filter(name="钱多多").exists()


def test_other_town_cannot_open_the_household(page, login_as):
    hh = Membership.objects.get(person__name="王五").household
    login_as("town_other")
    response = page.goto(f"/backoffice/households/{hh.pk}/file/")
    assert response.status == 404
