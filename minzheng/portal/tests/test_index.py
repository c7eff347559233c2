import re

from django.contrib.staticfiles import finders


def test_the_portal_index_renders_without_login(client, db):
    response = client.get("/portal/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "民政公众服务" in html and "目前还没有开通可在线办理的公众服务" in html
    assert 'href="/admin/"' in html


def test_it_uses_its_own_stylesheet_and_nothing_from_outside(client, db):
    html = client.get("/portal/").content.decode()
    assert '<link rel="stylesheet" href="/static/portal/portal.css">' in html
    assert finders.find("portal/portal.css")
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)  # no CDN, no external links


def test_it_shows_no_personal_data_even_to_a_logged_in_caseworker(client, cast):
    client.force_login(cast.users.town)
    html = client.get("/portal/").content.decode()
    assert cast.zhang.name not in html and cast.zhang.id_number not in html and "cast_town" not in html


def test_only_reading_methods_are_allowed(client, db):
    assert client.post("/portal/").status_code == 405
