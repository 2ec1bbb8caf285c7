"""The portal app's compiled Russian catalog is in use (tests/test_catalogs.py: it is complete)."""

from __future__ import annotations

from django.utils import translation


def test_the_compiled_catalog_is_in_use():
    with translation.override("ru"):
        assert translation.gettext("Send the link again") == "Прислать ссылку ещё раз"
        days = translation.ngettext(
            "The link works once and for %(days)s day.",
            "The link works once and for %(days)s days.",
            3,
        )
        assert days % {"days": 3} == "Ссылка действует один раз и 3 дня."
