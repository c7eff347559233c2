"""From a dashboard figure to the masked list of the records it counts, in Chromium, as a town
caseworker (who sees only their town)."""

import os

import pytest

from minzheng.core.masking import display_name
from minzheng.registry.models import Person, Region

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")  # set to keep screenshots of the pages


def shoot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_from_the_overview_figure_to_its_masked_records(page, login_as):
    login_as("town")
    page.goto("/stats/?period=2018")
    page.wait_for_selector("#stats-overview")
    assert "市桥街道 统计总览 · 2018年" in page.inner_text("#stats-overview h1")
    # the charts fragment arrives by htmx and is drawn with the bundled Chart.js
    page.wait_for_selector("#chart-by-region[data-drawn='1']")
    page.wait_for_selector("#child-regions >> text=测试一居委会")
    assert page.locator("#child-regions tbody tr").count() == 1  # only 市桥's own village
    shoot(page, "stats-overview")

    figure = page.locator("#area-cards a[data-figure='registry.persons']")
    assert figure.inner_text() == "4"
    with page.expect_navigation():
        figure.click()
    page.wait_for_selector("#records-table")
    assert "/stats/indicator/registry.persons/records/" in page.url
    assert page.inner_text("#records-count") == "4"
    table = page.inner_text("#records-table")
    village = Region.objects.get(code="440113007001")
    for person in Person.objects.filter(region=village):
        assert display_name(person) in table
        assert person.id_number not in table and person.masked_id_number in table
    assert "赵六" not in table and "138****8000" in table
    shoot(page, "stats-records")


def test_drilling_into_the_village_and_back(page, login_as):
    login_as("district")
    page.goto("/stats/indicator/registry.persons/?period=2018")
    page.wait_for_selector("#child-regions")
    with page.expect_navigation():
        page.click("#child-regions a[data-drill='440113007000']")
    page.wait_for_selector("#child-regions a[data-drill='440113007001']")
    page.wait_for_selector("#chart-by-month[data-drawn='1']")
    assert page.inner_text("#indicator-value").startswith("4")
    with page.expect_navigation():
        page.click("#region-chain a[data-region='440113']")
    assert page.inner_text("#indicator-value").startswith("5")
    page.wait_for_selector("#chart-by-month[data-drawn='1']")  # let the charts request finish
