"""What a knowledge-base question means, for ``kb.search``: its words as groups of alternative
lemmas (the word's own, a typo correction from the vocabulary, synonyms, the Cyrillic reading of a
transliterated word), the entries of the search dictionary found in it (abbreviations, slang,
paraphrases) with the words they stand for, and the weight of each word by how rare it is.

An analysis is kept per query and index state (``SearchIndexState``): a saved article or an
edited dictionary entry makes the next analysis anew.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db import connection

from stroydesk.kb import semantic, text, typos
from stroydesk.kb.models import DictionaryEntry, SearchLemma
from stroydesk.kb.typos import correct_words

MAX_QUERY_CHARS = 300
MAX_QUERY_WORDS = 12
SYNONYM_WEIGHT, CORRECTION_WEIGHT = 0.7, 0.85
# The words of a dictionary entry's meaning count a little less than the query's own words.
DICTIONARY_WEIGHT = 0.9
# Words of a dictionary phrase may stand this many words apart in the question.
PHRASE_GAP = 2

# Parts of the ranking; the benchmark switches them off one at a time to measure each
# (``kb.search`` reads the same table).
FEATURES = {
    "dictionary": True,
    "synonyms": True,
    "semantic": True,
    "transliteration": True,
    "lexical": True,
}


@dataclass
class QueryGroup:
    """One word of the query: the lemmas that count as a match for it, with their weights."""

    word: str
    lemmas: dict[str, float]
    corrected_to: str = ""
    idf: float = 0.0
    # How many articles contain each of the lemmas.
    doc_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class AnalysedQuery:
    groups: list[QueryGroup] = field(default_factory=list)
    total_docs: int = 0
    # Every lemma the query means, with its weight, for the semantic vector: also words no
    # article contains (an abbreviation known to the dictionary and the vectors).
    semantic_lemmas: dict[str, float] = field(default_factory=dict)
    # Terms of the search dictionary found in the query.
    dictionary_terms: list[str] = field(default_factory=list)
    # (articles token, dictionary token) of SearchIndexState when the query was analysed.
    state: tuple[str, str] = ("", "")

    @property
    def all_lemmas(self) -> frozenset[str]:
        return frozenset(lemma for g in self.groups for lemma in g.lemmas)

    @property
    def corrections(self) -> dict[str, str]:
        return {g.word: g.corrected_to for g in self.groups if g.corrected_to}


# --- synonyms -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def synonym_map() -> dict[str, frozenset[str]]:
    """lemma → lemmas that mean the same, from data/synonyms.json (written in any word form)."""
    path = Path(__file__).parent / "data" / "synonyms.json"
    groups = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for group in groups:
        lemmas = {" ".join(text.lemmas(entry)) for entry in group}
        lemmas = {lemma for lemma in lemmas if lemma and " " not in lemma}
        for lemma in lemmas:
            out.setdefault(lemma, set()).update(lemmas - {lemma})
    return {k: frozenset(v) for k, v in out.items()}


# --- query analysis -------------------------------------------------------------------------


def _doc_counts(lemmas: set[str]) -> dict[str, int]:
    if not lemmas:
        return {}
    rows = SearchLemma.objects.filter(lemma__in=lemmas, doc_count__gt=0).values_list(
        "lemma", "doc_count"
    )
    return dict(rows)


_total_cache: dict[tuple[str, str], tuple[float, int]] = {}


def total_documents(token: str = "") -> int:
    """Number of articles as of the articles' token, cached for a few seconds: it only scales
    word weights (and an analysis kept for that token keeps the count of that token)."""
    from stroydesk.kb.models import Article

    key = (connection.settings_dict["NAME"], token)
    hit = _total_cache.get(key)
    now = time.monotonic()
    if hit is None or now - hit[0] > 5:
        count = -1
        if connection.vendor == "postgresql":
            # Counting 100,000 rows takes ~100 ms; the planner's estimate is plenty for weights.
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'kb_article'::regclass")
                row = cursor.fetchone()
                count = int(row[0]) if row else -1
        if count < 10_000:
            count = Article.objects.count()
        hit = (now, count)
        _total_cache[key] = hit
    return hit[1]


@dataclass
class _Token:
    """One word of the query with the lemmas it may mean."""

    word: str
    lemma: str
    stop: bool
    # (reading, lemma, is a stop word, is a dictionary word) of a transliterated word.
    readings: list[tuple[str, str, bool, bool]] = field(default_factory=list)

    @property
    def lemmas(self) -> set[str]:
        return {self.lemma} | {lemma for _r, lemma, _s, _k in self.readings}


def _tokens(query: str) -> list[_Token]:
    tokens = []
    for word in text.words(query[:MAX_QUERY_CHARS]):
        lemma, stop, _known = text.analyse_word(word)
        token = _Token(word=word, lemma=lemma, stop=stop)
        if FEATURES["transliteration"] and len(word) >= 2:
            for reading in text.transliterations(word):
                r_lemma, r_stop, r_known = text.analyse_word(reading)
                token.readings.append((reading, r_lemma, r_stop, r_known))
        tokens.append(token)
    return tokens


def _find_phrase(tokens: list[_Token], phrase: tuple[str, ...]) -> list[int]:
    """Positions of the phrase's lemmas in the query, in order, at most PHRASE_GAP apart."""
    for start, token in enumerate(tokens):
        if phrase[0] not in token.lemmas:
            continue
        positions, pos = [start], start
        for lemma in phrase[1:]:
            nxt = next(
                (
                    j
                    for j in range(pos + 1, min(len(tokens), pos + 2 + PHRASE_GAP))
                    if lemma in tokens[j].lemmas
                ),
                None,
            )
            if nxt is None:
                break
            positions.append(nxt)
            pos = nxt
        else:
            return positions
    return []


def _dictionary_matches(
    tokens: list[_Token], dictionary_token: str
) -> list[tuple[str, list[str], list[int]]]:
    """(term, meaning lemmas, positions) of the dictionary entries found in the query.

    A longer entry wins over a shorter one it contains («сдача дома» over «дом»).
    """
    if not FEATURES["dictionary"] or not tokens:
        return []
    entries = dictionary(dictionary_token)
    present = set().union(*(t.lemmas for t in tokens))
    found: list[tuple[str, list[str], list[int]]] = []
    taken: set[int] = set()
    candidates = [e for lemma in present for e in entries.get(lemma, ())]
    candidates.sort(key=lambda e: (-len(e[1]), e[0]))
    for term, phrase, meaning in candidates:
        positions = _find_phrase(tokens, phrase)
        if positions and not taken.issuperset(positions):
            found.append((term, meaning, positions))
            taken.update(positions)
    return found


def _translit_choice(token: _Token, df: dict[str, int]) -> tuple[str, str] | None:
    """(reading, lemma) of a transliterated word: one the articles contain, else a real word."""
    for reading, lemma, stop, _known in token.readings:
        if lemma in df and not stop:
            return reading, lemma
    for reading, lemma, stop, known in token.readings:
        if known and not stop:
            return reading, lemma
    # Neither: the first reading, for typo correction (razrechenie → разречение → разрешение).
    if token.readings and not token.readings[0][2]:
        return token.readings[0][0], token.readings[0][1]
    return None


def analyse_query(query: str) -> AnalysedQuery:
    """Split a query into groups of lemmas; words unknown to the articles are corrected.

    A word in Latin letters is also read as transliterated Russian; a dictionary entry found in
    the query adds a group for each word of its meaning. The analysis depends on nothing but the
    query, the articles and the dictionary, so it is kept per state of the index (the portal
    asks the same question again with every key typed); the result is shared: read it only.
    """
    query = query[:MAX_QUERY_CHARS]
    if not text.words(query):
        return AnalysedQuery()
    state = semantic.index_state()
    return _analysed(query, state, connection.settings_dict["NAME"], tuple(FEATURES.items()))


@lru_cache(maxsize=2048)
def _analysed(
    query: str, state: tuple[str, str], _database: str, _features: tuple
) -> AnalysedQuery:
    return _analyse(query, state)


def clear_caches() -> None:
    """Forget analysed queries and corrections (the benchmark times them cold)."""
    _analysed.cache_clear()
    typos.clear_caches()


def _analyse(query: str, state: tuple[str, str]) -> AnalysedQuery:
    tokens = _tokens(query)
    if not tokens:
        return AnalysedQuery(state=state)
    matches = _dictionary_matches(tokens, state[1])
    explained = {pos for _t, _m, positions in matches for pos in positions}
    seen: set[str] = set()
    raw_groups: list[QueryGroup] = []
    group_token: list[_Token | None] = []
    semantic_lemmas: dict[str, float] = {}
    content = [t for t in tokens if not t.stop or any(not r[2] for r in t.readings)]
    for token in content:
        if token.word in seen:
            continue
        seen.add(token.word)
        raw_groups.append(
            QueryGroup(word=token.word, lemmas={} if token.stop else {token.lemma: 1.0})
        )
        group_token.append(token)
        if len(raw_groups) >= MAX_QUERY_WORDS:
            break
    for term, meaning, _positions in matches:
        for lemma in meaning:
            semantic_lemmas.setdefault(lemma, DICTIONARY_WEIGHT)
            if any(lemma in g.lemmas for g in raw_groups):
                continue
            raw_groups.append(QueryGroup(word=term, lemmas={lemma: DICTIONARY_WEIGHT}))
            group_token.append(None)
    if not raw_groups:
        return AnalysedQuery(state=state)
    synonyms = synonym_map() if FEATURES["synonyms"] else {}
    wanted = {lemma for g in raw_groups for lemma in g.lemmas}
    wanted |= {r[1] for t in group_token if t is not None for r in t.readings}
    wanted |= {s for lemma in list(wanted) for s in synonyms.get(lemma, ())}
    df = _doc_counts(wanted)
    position = {id(t): i for i, t in enumerate(tokens)}
    # The word each group needs corrected, if any: all of them are looked up at once.
    to_correct: list[str] = []
    for g, source in zip(raw_groups, group_token, strict=True):
        to_correct.append("")
        if source is None:
            continue
        for lemma in g.lemmas:
            semantic_lemmas[lemma] = 1.0
        choice = _translit_choice(source, df) if source.readings else None
        if choice is not None:
            reading, lemma = choice
            semantic_lemmas[lemma] = 1.0
            if lemma in df:
                g.lemmas[lemma] = 1.0
            elif not any(lemma in df for lemma in g.lemmas):
                to_correct[-1] = reading
        elif not any(lemma in df for lemma in g.lemmas) and position[id(source)] not in explained:
            to_correct[-1] = g.word
    _correct(raw_groups, to_correct, df, state[0])
    for g in raw_groups:
        for lemma in list(g.lemmas):
            for s in synonyms.get(lemma, ()):
                g.lemmas.setdefault(s, SYNONYM_WEIGHT * g.lemmas[lemma])
        for lemma, weight in g.lemmas.items():
            semantic_lemmas[lemma] = max(semantic_lemmas.get(lemma, 0.0), weight)
        # Lemmas no article contains cannot match; dropping them keeps the index query short.
        g.lemmas = {lemma: w for lemma, w in g.lemmas.items() if lemma in df}
    total = max(total_documents(state[0]), 1)
    groups = [g for g in raw_groups if g.lemmas]
    for g in groups:
        g.doc_counts = {lemma: df[lemma] for lemma in g.lemmas}
        rarest = min(g.doc_counts.values())
        g.idf = math.log(1 + (total + 1) / (rarest + 0.5))
    return AnalysedQuery(
        groups=groups,
        total_docs=total,
        semantic_lemmas=semantic_lemmas,
        dictionary_terms=[term for term, _m, _p in matches],
        state=state,
    )


def _correct(groups: list[QueryGroup], words: list[str], df: dict[str, int], token: str) -> None:
    """Correct each group's word (when one is given) to the vocabulary's closest form: all the
    words in one round trip, and the document counts of their corrections in another."""
    wanted = [w for w in words if w]
    if not wanted:
        return
    corrections = correct_words(wanted, token)
    for group, word in zip(groups, words, strict=True):
        form, corrected = corrections.get(word, ("", set())) if word else ("", set())
        if corrected:
            group.corrected_to = form
            group.lemmas = dict.fromkeys(corrected, CORRECTION_WEIGHT)
    corrected_lemmas = {lemma for form, lemmas in corrections.values() for lemma in lemmas}
    df.update(_doc_counts(corrected_lemmas - set(df)))


# --- the search dictionary ------------------------------------------------------------------

# Per database: (token, first lemma → [(term, term lemmas, meaning lemmas)]).
_dictionaries: dict[str, tuple[str, dict[str, list[tuple[str, tuple[str, ...], list[str]]]]]] = {}


def dictionary(token: str) -> dict[str, list[tuple[str, tuple[str, ...], list[str]]]]:
    """The active entries, by their first lemma, as of the dictionary token of SearchIndexState
    (kb.services changes it with every edit, so an edit in the admin shows in the next search of
    every process)."""
    key = connection.settings_dict["NAME"]
    cached = _dictionaries.get(key)
    if cached is not None and cached[0] == token:
        return cached[1]
    entries: dict[str, list[tuple[str, tuple[str, ...], list[str]]]] = {}
    rows = DictionaryEntry.objects.filter(active=True).values_list(
        "term", "term_lemmas", "meaning_lemmas"
    )
    for term, term_lemmas, meaning_lemmas in rows:
        phrase = tuple(term_lemmas.split())
        if phrase:
            entries.setdefault(phrase[0], []).append((term, phrase, meaning_lemmas.split()))
    _dictionaries[key] = (token, entries)
    return entries
