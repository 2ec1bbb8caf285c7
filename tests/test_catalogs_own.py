"""Every string our templates and code mark for translation has a Russian entry in our OWN
catalogue, and that entry is what a Russian page shows.

Django merges all catalogues into one, the apps listed first winning: «Change» once showed as
Django admin's «Изменить» on the statistics page although the stats catalogue says «Изменение».
So the strings are extracted afresh from each app's sources (Django's own makemessages, in a
copy of the app), looked up in the app's committed catalogue, and translated at run time.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

APPS = Path(__file__).resolve().parents[1] / "stroydesk"
CATALOGS = sorted(APPS.glob("*/locale/ru/LC_MESSAGES/django.po"))
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(f'"{m}"') for line in lines for m in _STRING.findall(line))


def parse_po(text: str) -> dict[tuple[str, str], list[str]]:
    """{(context, msgid): [msgstr, ...]} of the live entries (not obsolete, not fuzzy)."""
    entries: dict[tuple[str, str], list[str]] = {}
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        if not lines or any(line.startswith("#, fuzzy") for line in lines):
            continue
        fields: dict[str, list[str]] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            head = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) ", line)
            if head:
                key = head.group(1)
                fields[key] = [line[head.end() :]]
            elif key:
                fields[key].append(line)
        if "msgid" not in fields:
            continue
        msgid = _unquote(fields["msgid"])
        if not msgid:
            continue
        context = _unquote(fields["msgctxt"]) if "msgctxt" in fields else ""
        strs = [_unquote(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        entries[(context, msgid)] = strs
    return entries


def _extract(app: Path, tmp_path: Path) -> dict[tuple[str, str], list[str]]:
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("locale", "tests", "__pycache__"))
    (copy / "locale").mkdir()
    cwd = os.getcwd()
    try:
        os.chdir(copy)
        call_command("makemessages", locale=["ru"], verbosity=0, no_obsolete=True)
    finally:
        os.chdir(cwd)
    return parse_po((copy / "locale/ru/LC_MESSAGES/django.po").read_text(encoding="utf-8"))


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parents[3].name)
def test_every_marked_string_is_in_the_apps_own_catalogue(catalog: Path, tmp_path: Path):
    app = catalog.parents[3]
    own = parse_po(catalog.read_text(encoding="utf-8"))
    missing = [key for key in _extract(app, tmp_path) if not any(s for s in own.get(key, []) if s)]
    assert missing == [], f"{app.name}: marked for translation but not in its catalogue"


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parents[3].name)
def test_a_russian_page_shows_the_apps_own_translation(catalog: Path):
    own = parse_po(catalog.read_text(encoding="utf-8"))
    shadowed = []
    with translation.override("ru"):
        for (context, msgid), strs in own.items():
            if len(strs) != 1 or "%" in msgid:
                continue  # plural forms, and strings with placeholders, are checked by use
            shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            if shown != strs[0]:
                shadowed.append((msgid, strs[0], shown))
    assert shadowed == []
