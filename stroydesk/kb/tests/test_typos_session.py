"""Typo correction in a database session that has not used pg_trgm yet (a new connection of a
worker): pg_trgm's own settings do not exist there until its library is loaded."""

from __future__ import annotations

import pytest
from django.db import connection

from stroydesk.kb import typos


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_corrects_typos(make_article):
    make_article("Разрешение на строительство", "Кто выдаёт разрешение на строительство.")
    connection.close()  # the next statement opens a new session
    typos.clear_caches()
    _form, lemmas = typos.correct_word("разрешенние")
    assert "разрешение" in lemmas
