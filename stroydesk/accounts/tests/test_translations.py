"""The accounts app's compiled Russian catalog is in use (tests/test_catalogs.py: complete)."""

from __future__ import annotations

from django.utils import translation


def test_the_compiled_catalog_is_in_use():
    with translation.override("ru"):
        assert translation.gettext("e-mail confirmed at") == "почта подтверждена"
        assert translation.gettext(
            "This confirmation link is too old. Ask for a new one."
        ).startswith("Срок действия ссылки")
