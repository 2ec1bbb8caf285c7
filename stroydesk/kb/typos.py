"""Typo correction for the knowledge-base search: the closest form of the articles' vocabulary
within the edits a word's length allows, found by trigrams (pg_trgm on PostgreSQL, the same
similarity computed here on SQLite, so both give the same corrections)."""

from __future__ import annotations

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


def _vocabulary_candidates(words: list[str]) -> dict[str, list[tuple[str, str]]]:
    """For each word, the forms of the vocabulary that share enough trigrams with it, with
    their lemmas: all the words of a question in one round trip."""
    out: dict[str, list[tuple[str, str]]] = {w: [] for w in words}
    if not words:
        return out
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # pg_trgm's «%» finds candidates by the trigram index, above the threshold of
            # set_limit. The threshold is set, the query run and the session's threshold put
            # back in one round trip (four statements): a question with three typos used to
            # cost six (set_limit and a query per word) and left the session's threshold
            # changed. show_limit/set_limit rather than pg_trgm.similarity_threshold: that
            # setting does not exist in a session that has not loaded pg_trgm yet.
            raw = cursor.cursor
            raw.execute(
                "SELECT set_config('kb.trgm', show_limit()::text, true); "
                "SELECT set_limit(%s); "
                "SELECT w.word, t.form, t.lemma FROM unnest(%s::text[]) AS w(word) "
                "JOIN kb_searchterm t ON t.form %% w.word "
                "AND length(t.form) BETWEEN length(w.word) - 2 AND length(w.word) + 2; "
                "SELECT set_limit(current_setting('kb.trgm')::real)",
                [TYPO_MIN_SIMILARITY, list(words)],
            )
            raw.nextset()
            raw.nextset()
            rows = raw.fetchall()
            raw.nextset()
            for word, form, lemma in rows:
                out[word].append((form, lemma))
            return out
        shortest, longest = min(map(len, words)), max(map(len, words))
        cursor.execute(
            "SELECT form, lemma FROM kb_searchterm WHERE length(form) BETWEEN %s AND %s",
            [shortest - 2, longest + 2],
        )
        rows = cursor.fetchall()
    for word in words:
        n = len(word)
        out[word] = [
            (f, lemma)
            for f, lemma in rows
            if n - 2 <= len(f) <= n + 2 and trigram_similarity(word, f) >= TYPO_MIN_SIMILARITY
        ]
    return out


# Corrections per (word, articles token, database); the vocabulary changes only with the
# articles, and the token with them. Emptied when full: a bound, not an eviction policy.
_corrections: dict[tuple[str, str, str], tuple[str, frozenset[str]]] = {}
MAX_KEPT = 4096


def correct_words(words: list[str], token: str | None = None) -> dict[str, tuple[str, set[str]]]:
    """For each word, the closest vocabulary form within the allowed edits and its lemma(s);
    ("", ∅) if none. The words not corrected before are looked up together.

    ``token``: the articles' token of SearchIndexState, read when not given.
    """
    out: dict[str, tuple[str, set[str]]] = {}
    wanted = [w for w in dict.fromkeys(words) if allowed_typos(w) > 0]
    for w in words:
        out[w] = ("", set())
    if not wanted:
        return out
    if token is None:
        token = semantic.index_state()[0]
    database = connection.settings_dict["NAME"]
    missing = [w for w in wanted if (w, token, database) not in _corrections]
    if missing:
        if len(_corrections) + len(missing) > MAX_KEPT:
            _corrections.clear()
        for word, candidates in _vocabulary_candidates(missing).items():
            _corrections[(word, token, database)] = _closest(word, candidates)
    for w in wanted:
        form, lemmas = _corrections[(w, token, database)]
        out[w] = (form, set(lemmas))
    return out


def correct_word(word: str, token: str | None = None) -> tuple[str, set[str]]:
    """``correct_words`` of one word."""
    return correct_words([word], token)[word]


def _closest(word: str, candidates: list[tuple[str, str]]) -> tuple[str, frozenset[str]]:
    limit = allowed_typos(word)
    best: dict[str, set[str]] = {}
    best_distance = limit + 1
    for form, lemma in candidates:
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
    _corrections.clear()
