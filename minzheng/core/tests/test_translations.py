"""The message catalogs: Chinese back office without English Unfold strings, English on request,
and compiled catalogs that match their sources.

Unfold ships no Chinese catalog; the strings Django's own zh_Hans catalogs do not cover are
translated in minzheng/locale/zh_Hans/LC_MESSAGES/django.po (their msgids are listed in
unfold_msgids.py so that makemessages keeps them).
"""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from minzheng.accounts.models import User

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])

# Unfold strings that are shown in English on these pages unless our zh_Hans catalog translates
# them, as (the English, the Chinese) in the HTML.
THEME_SWITCH = [(">Light<", ">浅色<"), (">Dark<", ">深色<"), (">System<", ">跟随系统<")]
COMMAND_SEARCH = [('placeholder="Type to search"', 'placeholder="输入以搜索"')]
FORM = [(">Select value<", ">选择值<"), ('title="Go back"', 'title="返回"')]
BOOLEAN_ICON = [('title="True"', 'title="是"')]


def _pages(cast):
    person_change = f"/admin/registry/person/{cast.zhang.pk}/change/"
    return {
        "/admin/": THEME_SWITCH + COMMAND_SEARCH,
        "/admin/registry/person/": THEME_SWITCH + COMMAND_SEARCH + BOOLEAN_ICON,
        "/admin/registry/person/add/": THEME_SWITCH + COMMAND_SEARCH + FORM,
        "/admin/registry/household/": THEME_SWITCH + COMMAND_SEARCH,
        person_change: THEME_SWITCH + COMMAND_SEARCH + FORM,
    }


def _squash(html):
    """Drop the whitespace around tags' text, so that `>Light<` matches `>\n  Light\n<`."""
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html))


def test_back_office_in_chinese_has_no_english_unfold_strings(client, cast):
    client.force_login(User.objects.get(username="cast_admin"))
    for url, pairs in _pages(cast).items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Language"] == "zh-hans"
        html = _squash(response.content.decode())
        for english, chinese in pairs:
            assert chinese in html, (url, chinese)
            assert english not in html, (url, english)


@pytest.mark.parametrize("how", ["header", "cookie"])
def test_english_person_list(client, cast, how):
    client.force_login(User.objects.get(username="cast_admin"))
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/admin/registry/person/")
    else:
        response = client.get("/admin/registry/person/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    html = _squash(response.content.decode())
    for label in ["ID number", "Date of birth", "Town/subdistrict", "Civil Affairs Service Platform"]:
        assert label in html, label
    for chinese in ["身份证号码", "出生日期", "镇街", "民政综合业务平台"]:
        assert chinese not in html, chinese
    assert ">Light<" in html  # Unfold's own strings stay English


# --- the catalogs themselves -----------------------------------------------------------------


def _parse_po(path):
    """The entries of a .po file as dicts (msgctxt, msgid, msgid_plural, msgstr: {n: text}, fuzzy)."""
    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith('"'):
            text = ast.literal_eval(line)
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += text
            else:
                entry[key[0]] += text
            continue
        if entry is None or (entry["msgstr"] and not line.startswith("msgstr")):
            if entry is not None:
                entries.append(entry)
            entry = {"msgstr": {}, "fuzzy": False}
        if line.startswith("#"):
            entry["fuzzy"] |= line.startswith("#,") and "fuzzy" in line
            continue
        word, _, rest = line.partition(" ")
        text = ast.literal_eval(rest)
        if word.startswith("msgstr"):
            index = int(word[len("msgstr[") : -1]) if word != "msgstr" else 0
            entry["msgstr"][index] = text
            key = ("msgstr", index)
        else:
            entry[word] = text
            key = (word, None)
    if entry is not None:
        entries.append(entry)
    return entries


def _expected_catalog(entries):
    """What msgfmt writes for these entries, in the shape of GNUTranslations._catalog."""
    catalog = {}
    for e in entries:
        if e["fuzzy"] or not e["msgid"] or not all(e["msgstr"].values()):
            continue
        msgid = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            for index, text in e["msgstr"].items():
                catalog[(msgid, index)] = text
        else:
            catalog[msgid] = e["msgstr"][0]
    return catalog


PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def test_catalogs_exist():
    names = {p.relative_to(LOCALE_DIR).as_posix() for p in PO_FILES}
    assert {"zh_Hans/LC_MESSAGES/django.po", "en/LC_MESSAGES/django.po"} <= names


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.relative_to(LOCALE_DIR).as_posix())
def test_po_compiles_and_mo_is_up_to_date(po, tmp_path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run compilemessages"
    if shutil.which("msgfmt"):
        result = subprocess.run(  # noqa: S603
            ["msgfmt", "--check", "-o", str(tmp_path / "check.mo"), str(po)],  # noqa: S607
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
    # Compare contents rather than modification times: a fresh checkout gives every file the
    # same arbitrary mtime, while a stale .mo always differs from its .po.
    with mo.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)._catalog
    compiled = {k: v for k, v in compiled.items() if k != ""}
    expected = _expected_catalog(_parse_po(po))
    stale = sorted(set(expected) ^ set(compiled), key=str)[:5]
    stale += [k for k in expected if k in compiled and expected[k] != compiled[k]][:5]
    assert not stale, f"{mo.name} does not match {po}: run compilemessages ({stale})"


def test_english_catalog_is_complete():
    entries = [e for e in _parse_po(LOCALE_DIR / "en/LC_MESSAGES/django.po") if e["msgid"]]
    assert len(entries) > 100
    empty = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert not empty, f"untranslated in en/django.po: {empty}"
    assert not fuzzy, f"fuzzy in en/django.po: {fuzzy}"


def test_chinese_catalog_translates_every_english_msgid():
    """The English msgids in zh_Hans/django.po are Unfold's (unfold_msgids.py); each needs its Chinese."""
    entries = [e for e in _parse_po(LOCALE_DIR / "zh_Hans/LC_MESSAGES/django.po") if e["msgid"]]
    english = [
        e
        for e in entries
        if not re.search(r"[\u4e00-\u9fff]", e["msgid"])
        and re.search(r"[A-Za-z]", re.sub(r"\{\w*\}|%\(\w+\)[sd]", "", e["msgid"]))  # not just "{message}"
    ]
    assert len(english) > 100
    missing = [e["msgid"] for e in english if e["fuzzy"] or not all(e["msgstr"].values())]
    assert not missing, f"untranslated in zh_Hans/django.po: {missing}"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="makemessages needs GNU gettext")
def test_english_catalog_has_every_text_of_the_sources(tmp_path):
    """A text added to the code or a template without `make messages` would show in Chinese on
    the English pages: extract the sources again (from a copy of the tree, so that makemessages
    cannot write into the real catalogs) and compare with the committed English catalog."""
    import os
    import sys

    root = Path(settings.BASE_DIR)
    source = tmp_path / "src" / "minzheng"
    shutil.copytree(
        root / "minzheng", source, ignore=shutil.ignore_patterns("locale", "__pycache__", "static", "*.mo")
    )
    (tmp_path / "locale").mkdir()
    (tmp_path / "catalog_settings.py").write_text(
        f"from minzheng.settings import *  # noqa: F403\nLOCALE_PATHS = [{str(tmp_path / 'locale')!r}]\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)]),
        "DJANGO_SETTINGS_MODULE": "catalog_settings",
        "MINZHENG_TESTING": "1",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, str(root / "manage.py"), "makemessages", "-l", "en", "-v", "0"],
        cwd=source,
        env=env,
        check=True,
    )
    extracted = {e["msgid"] for e in _parse_po(tmp_path / "locale/en/LC_MESSAGES/django.po") if e["msgid"]}
    committed = {e["msgid"] for e in _parse_po(LOCALE_DIR / "en/LC_MESSAGES/django.po") if e["msgid"]}
    assert len(extracted) > 1000
    missing = sorted(extracted - committed)
    assert not missing, f"run `make messages` and translate in en/django.po: {missing[:10]}"
