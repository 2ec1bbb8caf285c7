"""Every string of the portal has its Russian translation (none empty, none fuzzy)."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

CATALOG = Path(__file__).resolve().parents[1] / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_the_russian_catalog_is_complete():
    text = CATALOG.read_text(encoding="utf-8")
    entries = [e for e in text.split("\n\n")[1:] if not e.lstrip().startswith("#~")]
    assert len(entries) > 300
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""\n?$', e, re.M)]
    untranslated = [e for e in untranslated if not re.search(r'^msgstr(\[\d\])? ""\n"', e, re.M)]
    assert untranslated == []
    assert "#, fuzzy" not in text


def test_the_compiled_catalog_is_in_use():
    with translation.override("ru"):
        assert translation.gettext("Send the link again") == "Прислать ссылку ещё раз"
        days = translation.ngettext(
            "The link works once and for %(days)s day.",
            "The link works once and for %(days)s days.",
            3,
        )
        assert days % {"days": 3} == "Ссылка действует один раз и 3 дня."
