"""Typo correction for the knowledge-base search: the closest form of the articles' vocabulary
within the edits a word's length allows, found by trigrams (pg_trgm on PostgreSQL, the same
similarity computed here on SQLite, so both give the same corrections)."""

from __future__ import annotations

from functools import lru_cache

from django.db import connection

from stroydesk.kb import semantic

# pg_trgm's similarity below which a vocabulary form is not a candidate.
TYPO_MIN_SIMILARITY = 0.2


def trigrams(word: str) -> frozenset[str]:
    """pg_trgm's trigrams of one word (two spaces before, one after), for identical results."""
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def trigram_similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta or tb else 0.0


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed_typos(word: str) -> int:
    if len(word) < 5:
        return 0
    return 1 if len(word) < 7 else 2


def _vocabulary_candidates(word: str) -> list[tuple[str, str]]:
    """Forms of the vocabulary that share enough trigrams with the word, with their lemmas."""
    n = len(word)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_limit(%s)", [TYPO_MIN_SIMILARITY])
            cursor.execute(
                "SELECT form, lemma FROM kb_searchterm WHERE form %% %s "
                "AND length(form) BETWEEN %s AND %s",
                [word, n - 2, n + 2],
            )
            return list(cursor.fetchall())
        cursor.execute(
            "SELECT form, lemma FROM kb_searchterm WHERE length(form) BETWEEN %s AND %s",
            [n - 2, n + 2],
        )
        rows = cursor.fetchall()
    return [(f, lemma) for f, lemma in rows if trigram_similarity(word, f) >= TYPO_MIN_SIMILARITY]


def correct_word(word: str, token: str | None = None) -> tuple[str, set[str]]:
    """The closest vocabulary form within the allowed edits, and its lemma(s); ("", ∅) if none.

    ``token``: the articles' token of SearchIndexState, read when not given; the vocabulary
    changes only with the articles, and the token with them, so corrections are kept per token.
    """
    if allowed_typos(word) == 0:
        return "", set()
    if token is None:
        token = semantic.index_state()[0]
    form, lemmas = _corrections(word, token, connection.settings_dict["NAME"])
    return form, set(lemmas)


@lru_cache(maxsize=4096)
def _corrections(word: str, _token: str, _database: str) -> tuple[str, frozenset[str]]:
    limit = allowed_typos(word)
    best: dict[str, set[str]] = {}
    best_distance = limit + 1
    for form, lemma in _vocabulary_candidates(word):
        d = edit_distance(word, form, limit)
        if d < best_distance:
            best, best_distance = {form: {lemma}}, d
        elif d == best_distance and d <= limit:
            best.setdefault(form, set()).add(lemma)
    if not best or best_distance > limit:
        return "", frozenset()
    form = min(best)  # ties: a stable choice, the same on both databases
    return form, frozenset(set().union(*best.values()))


def clear_caches() -> None:
    _corrections.cache_clear()
