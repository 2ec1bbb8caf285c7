"""Typo correction: the words of a question are corrected together, in one round trip, and
PostgreSQL's trigram threshold of the session is left as it was."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import connection

from stroydesk.kb import query as kb_query
from stroydesk.kb import typos
from stroydesk.kb.selectors import article_search

THREE_TYPOS = "разрешенние строитльство эксплуатацыя"


def test_words_are_corrected_together_as_one_by_one(seeded_once, db):
    typos.clear_caches()
    together = typos.correct_words(THREE_TYPOS.split())
    typos.clear_caches()
    alone = {word: typos.correct_word(word) for word in THREE_TYPOS.split()}
    assert together == alone
    wanted = ["разрешение", "строительство", "эксплуатация"]
    assert all(w in lemmas for w, (_f, lemmas) in zip(wanted, together.values(), strict=True))
    # Too short to correct, or unknown to any article: no correction, and no error.
    assert typos.correct_words(["дом", "ыщщзхъ"]) == {"дом": ("", set()), "ыщщзхъ": ("", set())}
    assert typos.correct_words([]) == {}


def test_a_question_with_three_typos_looks_the_vocabulary_up_once(seeded_once, db, monkeypatch):
    calls: list[list[str]] = []
    lookup = typos._vocabulary_candidates

    def counted(words: list[str]):
        calls.append(list(words))
        return lookup(words)

    monkeypatch.setattr(typos, "_vocabulary_candidates", counted)
    kb_query.clear_caches()
    results = article_search(THREE_TYPOS, user=AnonymousUser(), limit=3)
    assert results.hits[0].slug in {
        "razreshenie-na-stroitelstvo",
        "razreshenie-na-vvod-v-ekspluatatsiyu",
    }
    assert len(results.corrections) == 3
    assert len(calls) == 1 and sorted(calls[0]) == sorted(THREE_TYPOS.split())
    # Corrected words are kept: the same question again looks nothing up.
    kb_query._analysed.cache_clear()
    article_search(THREE_TYPOS, user=AnonymousUser(), limit=3)
    assert len(calls) == 1


def test_the_sessions_trigram_threshold_is_left_as_it_was(seeded_once, db):
    if connection.vendor != "postgresql":
        return  # pg_trgm's setting; SQLite computes the similarity itself
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.45', false)")
        kb_query.clear_caches()
        assert article_search("разрешенние", user=AnonymousUser(), limit=3).corrections
        cursor.execute("SELECT current_setting('pg_trgm.similarity_threshold')")
        assert cursor.fetchone()[0] == "0.45"
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.3', false)")
