"""The stats app's compiled Russian catalog is in use (tests/test_catalogs.py: it is complete)."""

from __future__ import annotations

from django.utils import translation


def test_the_compiled_catalog_is_in_use():
    with translation.override("ru"):
        assert translation.gettext("Channel mix") == "Каналы поступления"
        assert translation.gettext("Average rating (1–5)") == "Средняя оценка (1–5)"
