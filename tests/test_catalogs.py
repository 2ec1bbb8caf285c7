"""Every app's Russian catalog is complete: no empty and no fuzzy entry, so that no Russian page
falls back to English. (Each app's own test checks that its compiled catalog is in use.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "stroydesk"
CATALOGS = sorted(APPS.glob("*/locale/ru/LC_MESSAGES/django.po"))
EMPTY = re.compile(r'^msgstr(\[\d\])? ""\n?$', re.M)
CONTINUED = re.compile(r'^msgstr(\[\d\])? ""\n"', re.M)


def test_every_app_with_texts_has_a_russian_catalog():
    assert {path.parents[3].name for path in CATALOGS} >= {
        "accounts",
        "cases",
        "channels",
        "directory",
        "kb",
        "portal",
        "stats",
        "web",
        "workcalendar",
    }


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parents[3].name)
def test_the_russian_catalog_is_complete(catalog: Path):
    text = catalog.read_text(encoding="utf-8")
    entries = [e for e in text.split("\n\n")[1:] if not e.lstrip().startswith("#~")]
    assert len(entries) > 2
    untranslated = [e for e in entries if EMPTY.search(e) and not CONTINUED.search(e)]
    assert untranslated == []
    assert "#, fuzzy" not in text
