"""The shared cast every test can use, built through the real services.

A district (the real 番禺区 tree from the migration), two towns (市桥街道, 沙头街道) with one
generated village each, one user per role (town and village staff in 市桥), a caseworker in
沙头, and two households in 市桥 and one in 沙头.
"""

import os
from datetime import date
from types import SimpleNamespace

import pytest

os.environ.setdefault("MINZHENG_TESTING", "1")

PASSWORD = "Test-pass-2018"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _build_cast()


def _build_cast():
    from minzheng.accounts.models import User
    from minzheng.accounts.roles import Role
    from minzheng.registry.models import Region
    from minzheng.registry.services import create_region

    if User.objects.filter(username="cast_admin").exists():
        return
    district = Region.objects.get(code="440113", level="district")
    shiqiao = Region.objects.get(code="440113007000", valid_to__isnull=True)
    shatou = Region.objects.get(code="440113008000", valid_to__isnull=True)
    create_region(
        actor=None,
        parent=shiqiao,
        level="village",
        code="440113007001",
        name="测试一居委会",
        valid_from=date(2000, 1, 1),
        is_generated=True,
    )
    create_region(
        actor=None,
        parent=shatou,
        level="village",
        code="440113008001",
        name="测试二居委会",
        valid_from=date(2000, 1, 1),
        is_generated=True,
    )
    village_sq = Region.objects.get(code="440113007001")
    users = [
        ("cast_admin", Role.ADMIN, district, True),
        ("cast_district", Role.DISTRICT, district, False),
        ("cast_town", Role.TOWN, shiqiao, False),
        ("cast_town_other", Role.TOWN, shatou, False),
        ("cast_village", Role.VILLAGE, village_sq, False),
        ("cast_finance", Role.FINANCE, district, False),
        ("cast_leader", Role.LEADER, district, False),
        ("cast_socialorg", Role.SOCIAL_ORG, district, False),
        ("cast_public", Role.PUBLIC, None, False),
    ]
    for username, role, scope, superuser in users:
        user = User(username=username, role=role, scope=scope, is_superuser=superuser, first_name=username)
        user.set_password(PASSWORD)
        user.save()
    _build_households()


def _build_households():
    from minzheng.accounts.models import User
    from minzheng.registry.idnumbers import make_id_number
    from minzheng.registry.models import Region
    from minzheng.registry.services import add_member, create_household, register_person

    admin = User.objects.get(username="cast_admin")
    village_sq = Region.objects.get(code="440113007001")
    village_st = Region.objects.get(code="440113008001")

    def person(seq, name, region, born):
        return register_person(
            actor=admin,
            id_number=make_id_number("440113", born, seq),
            name=name,
            region=region,
            phone="13800138000",
        )

    zhang = person(11, "张三明", village_sq, date(1960, 5, 1))
    li = person(22, "李四芳", village_sq, date(1962, 7, 8))
    kid = person(33, "张小明", village_sq, date(2010, 3, 3))
    hh = create_household(
        actor=admin,
        region=village_sq,
        head=zhang,
        address="市桥街一号",
        number="SQ-0001",
        since=date(2015, 1, 1),
    )
    add_member(hh, actor=admin, person=li, relation="spouse", since=date(2015, 1, 1))
    add_member(hh, actor=admin, person=kid, relation="child", since=date(2015, 1, 1))
    wang = person(45, "王五", village_sq, date(1948, 1, 9))
    create_household(
        actor=admin,
        region=village_sq,
        head=wang,
        address="市桥街二号",
        number="SQ-0002",
        since=date(2016, 1, 1),
    )
    zhao = person(57, "赵六", village_st, date(1970, 10, 10))
    create_household(
        actor=admin,
        region=village_st,
        head=zhao,
        address="沙头路三号",
        number="ST-0001",
        since=date(2016, 1, 1),
    )


@pytest.fixture
def cast(db):
    from minzheng.accounts.models import User
    from minzheng.registry.models import Household, Person, Region

    users = {u.username.removeprefix("cast_"): u for u in User.objects.filter(username__startswith="cast_")}
    return SimpleNamespace(
        password=PASSWORD,
        users=SimpleNamespace(**users),
        district=Region.objects.get(code="440113", level="district"),
        shiqiao=Region.objects.get(code="440113007000", valid_to__isnull=True),
        shatou=Region.objects.get(code="440113008000", valid_to__isnull=True),
        village_sq=Region.objects.get(code="440113007001"),
        village_st=Region.objects.get(code="440113008001"),
        hh_sq=Household.objects.get(number="SQ-0001"),
        hh_sq2=Household.objects.get(number="SQ-0002"),
        hh_st=Household.objects.get(number="ST-0001"),
        zhang=Person.objects.get(name="张三明"),
        zhao=Person.objects.get(name="赵六"),
    )


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def browser_cast(transactional_db):
    """The cast for browser tests: the live server needs committed data, so it is built per test
    (a transactional test empties every table when it ends, the migration's regions included)."""
    from minzheng.registry.divisions import load_divisions
    from minzheng.registry.models import Region

    load_divisions(Region)
    _build_cast()


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, browser_cast):
    context = chromium.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def login_as(page):
    def login(username):
        page.goto("/admin/login/")
        page.fill("input[name=username]", f"cast_{username}")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/")
        return page

    return login


@pytest.fixture(autouse=True)
def _chinese_by_default(settings):
    """Every test starts in the default language (a request in English must not leak into the next test)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
