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
        assert days % {"days": 3} == "Ссылка действует один раз в течение 3 дней."
        # "в течение" takes the genitive: 1 дня, 21 дня, 3 дней, 5 дней, 11 дней.
        for n, word in ((1, "дня"), (21, "дня"), (3, "дней"), (5, "дней"), (11, "дней")):
            text = translation.ngettext(
                "The link works once and for %(days)s day.",
                "The link works once and for %(days)s days.",
                n,
            )
            assert text % {"days": n} == f"Ссылка действует один раз в течение {n} {word}."
