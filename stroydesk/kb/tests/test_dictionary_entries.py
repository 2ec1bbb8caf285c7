"""Entries of the search dictionary's second version: the field's common names for things that
the articles call otherwise (the old «госкомиссия» and «кадастровый паспорт», «БТИ»)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from stroydesk.kb import query as kb_query
from stroydesk.kb.selectors import article_search

# (question, expected first): none of them is first without the dictionary.
FOUND_BY_NEW_ENTRIES = [
    ("когда будет госкомиссия", "razreshenie-na-vvod-v-ekspluatatsiyu"),
    ("вызвать БТИ", "kadastrovyy-uchet-postroennogo-doma"),
    ("банкротство застройщика", "problemnye-obekty-dolgostroy"),
    ("кадастровый паспорт на дом", "kadastrovyy-uchet-postroennogo-doma"),
]


def first(question: str) -> str:
    hits = article_search(question, user=AnonymousUser(), limit=3)
    return hits.hits[0].slug if hits.hits else ""


@pytest.mark.parametrize(("question", "expected"), FOUND_BY_NEW_ENTRIES)
def test_the_fields_common_names_find_the_article(seeded_once, db, question, expected):
    assert first(question) == expected
    kb_query.FEATURES["dictionary"] = False
    try:
        assert first(question) != expected
    finally:
        kb_query.FEATURES["dictionary"] = True
