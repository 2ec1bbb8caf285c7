"""The search engine behind ``kb.selectors.article_search``, the same on PostgreSQL and SQLite.

A query is analysed into groups of alternative lemmas (the word's lemma, a typo correction from
the vocabulary, synonyms, the Cyrillic reading of a transliterated word), and the entries of the
search dictionary found in it (abbreviations, slang, paraphrases) add the words they stand for.

Two rankings are then fused (reciprocal rank fusion):
- lexical: the database's full-text index (PostgreSQL tsvector + GIN, or SQLite FTS5) finds
  candidate articles containing any of the lemmas; they are ranked here, in Python, by one formula
  for both databases: title matches first, then tags, then the body, each weighed by how rare the
  lemma is; recently reviewed articles get a small boost;
- semantic: the articles whose vectors (kb.semantic) are closest to the query's, which finds an
  article that answers a question in other words than its own: among all articles in the
  field's own space, and among those candidates in navec's general Russian one.

``FEATURES`` (and ``semantic.PARTS`` for each space of vectors) switch the parts off one by one,
for the benchmark's ablation figures.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.db import connection
from django.utils import timezone

from stroydesk.kb import news_vectors, semantic, text, typos
from stroydesk.kb.models import Article, DictionaryEntry, SearchLemma
from stroydesk.kb.typos import correct_word

MAX_QUERY_CHARS = 300
MAX_QUERY_WORDS = 12
TITLE_WEIGHT, TAGS_WEIGHT, BODY_WEIGHT = 3.0, 1.5, 1.0
SYNONYM_WEIGHT, CORRECTION_WEIGHT = 0.7, 0.85
# Candidates shorter than this share of the query's weight are noise from one common word.
MIN_COVERAGE = 0.3
# At most this many matching articles are ranked by the index per pass (see candidate_ids).
SCAN_CAP = 200
# The words of a dictionary entry's meaning count a little less than the query's own words.
DICTIONARY_WEIGHT = 0.9
# Words of a dictionary phrase may stand this many words apart in the question.
PHRASE_GAP = 2
# Reciprocal rank fusion: score = Σ weight / (RRF_K + rank), ranks from 1.
RRF_K = 3
# The semantic rankings: of the field's own vectors (lsa) and of navec's news vectors (news).
# The news ranking's weight was chosen on the dev questions (0, 0.3, 0.5, 0.7, 1 tried): alone
# it finds less than the field's own vectors, as a third voice it settles near ties.
LEXICAL_WEIGHT = 1.0
SEMANTIC_WEIGHTS = {"lsa": 1.0, "news": 0.3}
SEMANTIC_DEPTH = 30
# Articles less similar than this to the query are not semantic candidates at all. navec's
# cosines run higher (any two texts of building share many near words): 0.6 was the best of
# 0.15–0.8 on the dev questions, and keeps «ордер» from finding a building permit.
SEMANTIC_MIN_COSINE = {"lsa": 0.15, "news": 0.6}

# Parts of the ranking; the benchmark switches them off one at a time to measure each.
FEATURES = {"dictionary": True, "semantic": True, "transliteration": True, "lexical": True}


@dataclass
class QueryGroup:
    """One word of the query: the lemmas that count as a match for it, with their weights."""

    word: str
    lemmas: dict[str, float]
    corrected_to: str = ""
    idf: float = 0.0


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
    synonyms = synonym_map()
    wanted = {lemma for g in raw_groups for lemma in g.lemmas}
    wanted |= {r[1] for t in group_token if t is not None for r in t.readings}
    wanted |= {s for lemma in list(wanted) for s in synonyms.get(lemma, ())}
    df = _doc_counts(wanted)
    position = {id(t): i for i, t in enumerate(tokens)}
    for g, source in zip(raw_groups, group_token, strict=True):
        if source is not None:
            for lemma in g.lemmas:
                semantic_lemmas[lemma] = 1.0
            choice = _translit_choice(source, df) if source.readings else None
            if choice is not None:
                reading, lemma = choice
                semantic_lemmas[lemma] = 1.0
                if lemma in df:
                    g.lemmas[lemma] = 1.0
                elif not any(lemma in df for lemma in g.lemmas):
                    _correct(g, reading, df, state[0])
            elif (
                not any(lemma in df for lemma in g.lemmas) and position[id(source)] not in explained
            ):
                _correct(g, g.word, df, state[0])
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
        rarest = min(df[lemma] for lemma in g.lemmas)
        g.idf = math.log(1 + (total + 1) / (rarest + 0.5))
    return AnalysedQuery(
        groups=groups,
        total_docs=total,
        semantic_lemmas=semantic_lemmas,
        dictionary_terms=[term for term, _m, _p in matches],
        state=state,
    )


def _correct(group: QueryGroup, word: str, df: dict[str, int], token: str) -> None:
    form, corrected = correct_word(word, token)
    if corrected:
        group.corrected_to = form
        group.lemmas = dict.fromkeys(corrected, CORRECTION_WEIGHT)
        df.update(_doc_counts(corrected - set(df)))


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


# --- candidates from the index --------------------------------------------------------------


def _index_query(groups: list[QueryGroup], *, all_groups: bool, vendor: str) -> str:
    """The full-text query: within a group any lemma; across groups all of them or any.

    Lemmas are runs of letters and digits (text.WORD_RE), so quoting them is enough to keep any
    operator of tsquery or FTS5 out of the query.
    """
    if vendor == "postgresql":
        parts = ["(" + " | ".join(f"'{lemma}'" for lemma in sorted(g.lemmas)) + ")" for g in groups]
        return (" & " if all_groups else " | ").join(parts)
    parts = ["(" + " OR ".join(f'"{lemma}"' for lemma in sorted(g.lemmas)) + ")" for g in groups]
    return (" AND " if all_groups else " OR ").join(parts)


def _ranked_matches(
    match: str,
    *,
    public_only: bool,
    topic_ids: list[int] | None,
    limit: int,
    rank_by: str | None = None,
) -> list[int]:
    """Ids of the best ``limit`` of at most SCAN_CAP articles matching the index query, ordered
    by the index's rank of ``rank_by`` (the same query when not given)."""
    rank_by = rank_by or match
    where: list[str] = []
    params: list[int] = []
    if public_only:
        where.append("a.audience = 'public'")
    if topic_ids:
        marks = ", ".join(["%s"] * len(topic_ids))
        where.append(
            "EXISTS (SELECT 1 FROM kb_article_topics t "
            f"WHERE t.article_id = a.id AND t.topic_id IN ({marks}))"
        )
        params.extend(topic_ids)
    extra = "".join(f" AND {w}" for w in where)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # With a LIMIT the planner likes a sequential scan that evaluates @@ on every row's
            # (TOASTed) tsvector until enough match: ~200 ms at 100,000 articles for a word in
            # 5% of them. The GIN bitmap finds the same rows in ~15 ms. The planner settings
            # are switched off, the query run and the settings put back in ONE round trip (three
            # statements of one implicit transaction, or of the caller's), which matters more
            # than any statement here when the database is busy.
            raw = cursor.cursor
            raw.execute(
                "SELECT set_config('kb.seqscan', current_setting('enable_seqscan'), true), "
                "set_config('kb.indexscan', current_setting('enable_indexscan'), true), "
                "set_config('enable_seqscan', 'off', true), "
                "set_config('enable_indexscan', 'off', true); "
                "SELECT m.id FROM (SELECT a.id, a.search_vector FROM kb_article a "
                f"WHERE a.search_vector @@ to_tsquery('simple', %s){extra} LIMIT %s) m "
                "ORDER BY ts_rank(m.search_vector, to_tsquery('simple', %s), 1) DESC, m.id "
                "LIMIT %s; "
                "SELECT set_config('enable_seqscan', current_setting('kb.seqscan'), true), "
                "set_config('enable_indexscan', current_setting('kb.indexscan'), true)",
                [match, *params, SCAN_CAP, rank_by, limit],
            )
            raw.nextset()
            rows = raw.fetchall()
            raw.nextset()
            return [row[0] for row in rows]
        else:
            cursor.execute(
                "SELECT m.id FROM (SELECT a.id AS id, "
                "bm25(kb_article_fts, 10.0, 5.0, 1.0) AS r FROM kb_article_fts "
                "JOIN kb_article a ON a.id = kb_article_fts.rowid "
                f"WHERE kb_article_fts MATCH %s{extra} LIMIT %s) m ORDER BY m.r, m.id LIMIT %s",
                [match, *params, SCAN_CAP, limit],
            )
        return [row[0] for row in cursor.fetchall()]


def candidate_ids(
    analysed: AnalysedQuery, *, public_only: bool, topic_ids: list[int] | None, limit: int
) -> list[int]:
    """Ids of articles to rank: those with every query word first, then those with any.

    Each pass ranks at most SCAN_CAP matching articles by the index's own rank, so that a query
    of common words costs the same with 100 articles as with 100,000; the articles with all
    the words come first, which is what a common word alone would otherwise drown.
    """
    groups = analysed.groups
    if not groups:
        return []
    vendor = connection.vendor

    def matches(all_groups: bool) -> list[int]:
        match = _index_query(groups, all_groups=all_groups, vendor=vendor)
        if all_groups:
            return _ranked_matches(match, public_only=public_only, topic_ids=topic_ids, limit=limit)
        needed = _index_query(necessary_groups(groups), all_groups=False, vendor=vendor)
        return _ranked_matches(
            needed, public_only=public_only, topic_ids=topic_ids, limit=limit, rank_by=match
        )

    ids = matches(all_groups=True)
    if len(ids) < limit and len(groups) > 1:
        seen = set(ids)
        more = matches(all_groups=False)
        ids += [i for i in more if i not in seen][: limit - len(ids)]
    return ids


def necessary_groups(groups: list[QueryGroup]) -> list[QueryGroup]:
    """The rarest groups of which a candidate must contain one to pass MIN_COVERAGE in ``rank``.

    The most common words are left out as long as together they weigh less than MIN_COVERAGE
    of the query: an article with none but them is dropped by the ranking anyway. Those words
    have the longest lists in the index, so leaving them out of the «any word» query is what
    keeps a long question (a few rare words among common ones) fast at 100,000 articles, and
    the SCAN_CAP articles it reads are ones that can rank.
    """
    total = sum(g.idf for g in groups)
    dropped = 0.0
    keep = sorted(groups, key=lambda g: (g.idf, g.word))
    while len(keep) > 1 and dropped + keep[0].idf < MIN_COVERAGE * total:
        dropped += keep.pop(0).idf
    return keep


# --- ranking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    article_id: int
    score: float
    language: str = ""


def recency_factor(reviewed_at: datetime | None, now: datetime) -> float:
    """1.1 for an article reviewed today, falling to 1.0 at a year; 0.95 when overdue."""
    if reviewed_at is None:
        return 0.95
    age_days = (now - reviewed_at).days
    if age_days > 365:
        return 0.95
    return 1.0 + 0.1 * (1 - age_days / 365)


def rank(analysed: AnalysedQuery, rows: list[tuple]) -> list[Scored]:
    """Score candidates (id, title lemmas, tag lemmas, body lemmas, reviewed_at, …), best
    first."""
    now = timezone.now()
    total_weight = sum(g.idf for g in analysed.groups) or 1.0
    out = []
    for article_id, title, tags, body, reviewed_at, *_rest in rows:
        title_set, tag_set = set(title.split()), set(tags.split())
        body_counts = Counter(body.split())
        score = covered = 0.0
        for g in analysed.groups:
            best = 0.0
            for lemma, weight in g.lemmas.items():
                tf = body_counts.get(lemma, 0)
                value = (
                    TITLE_WEIGHT * (lemma in title_set)
                    + TAGS_WEIGHT * (lemma in tag_set)
                    + BODY_WEIGHT * tf / (tf + 1.5)
                ) * weight
                best = max(best, value)
            if best > 0:
                covered += g.idf
            score += best * g.idf
        coverage = covered / total_weight
        if coverage < MIN_COVERAGE:
            continue
        score *= (0.5 + 0.5 * coverage) * recency_factor(reviewed_at, now)
        out.append(Scored(article_id, round(score, 4)))
    out.sort(key=lambda s: (-s.score, s.article_id))
    return out


def _rows(ids: list[int]) -> list[tuple]:
    """(id, title lemmas, tag lemmas, body lemmas, reviewed_at, language, embedding) of the
    candidates: what the lexical ranking, the news vectors and the reader's language need, in
    one round trip."""
    return list(
        Article.objects.filter(pk__in=ids).values_list(
            "pk", "search_title", "search_tags", "search_body", "reviewed_at", "language",
            "embedding",
        )
    )  # fmt: skip


def lsa_ranking(
    analysed: AnalysedQuery, *, public_only: bool, topic_ids: list[int] | None
) -> list[Scored]:
    """Articles by the cosine of their vector in the field's own space, best first."""
    vector = semantic.embed(analysed.semantic_lemmas)
    if vector is None:
        return []
    near = semantic.nearest(
        vector, public_only=public_only, limit=SEMANTIC_DEPTH, token=analysed.state[0]
    )
    near = [(i, c) for i, c in near if c >= SEMANTIC_MIN_COSINE["lsa"]]
    if topic_ids and near:
        allowed = set(
            Article.topics.through.objects.filter(
                article_id__in=[i for i, _c in near], topic_id__in=topic_ids
            ).values_list("article_id", flat=True)
        )
        near = [(i, c) for i, c in near if i in allowed]
    return [Scored(i, round(c, 4)) for i, c in near]


def news_ranking(analysed: AnalysedQuery, rows: list[tuple]) -> list[Scored]:
    """The candidates by the cosine of their navec vector with the query's, best first."""
    query = news_vectors.embed(analysed.semantic_lemmas)
    if query is None:
        return []
    cosines = semantic.news_cosines(query, {row[0]: row[6] for row in rows})
    near = sorted(
        ((i, c) for i, c in cosines.items() if c >= SEMANTIC_MIN_COSINE["news"]),
        key=lambda item: (-item[1], item[0]),
    )
    return [Scored(i, round(c, 4)) for i, c in near]


def hybrid_ranking(
    analysed: AnalysedQuery, *, public_only: bool, topic_ids: list[int] | None, limit: int
) -> list[Scored]:
    """The lexical and the semantic rankings fused by reciprocal rank, best first, each with
    its language."""
    lexical_ids = (
        candidate_ids(analysed, public_only=public_only, topic_ids=topic_ids, limit=limit)
        if FEATURES["lexical"]
        else []
    )
    semantic_on = FEATURES["semantic"]
    lsa = (
        lsa_ranking(analysed, public_only=public_only, topic_ids=topic_ids)
        if semantic_on and semantic.PARTS["lsa"]
        else []
    )
    wanted = list(dict.fromkeys([*lexical_ids, *(s.article_id for s in lsa)]))
    rows = _rows(wanted) if wanted else []
    lists: list[tuple[float, list[Scored]]] = []
    if FEATURES["lexical"]:
        lexical = set(lexical_ids)
        lists.append((LEXICAL_WEIGHT, rank(analysed, [r for r in rows if r[0] in lexical])))
    if lsa:
        lists.append((SEMANTIC_WEIGHTS["lsa"], lsa))
    if semantic_on and semantic.PARTS["news"]:
        # The candidates the other rankings kept (not those the lexical one read and dropped:
        # which of them the index returns depends on how the query was cut, see
        # necessary_groups).
        kept = {s.article_id for _w, ranking in lists for s in ranking}
        news = news_ranking(analysed, [r for r in rows if r[0] in kept])
        lists.append((SEMANTIC_WEIGHTS["news"], news))
    fused: dict[int, float] = {}
    for weight, ranking in lists:
        position = 0
        for index, scored in enumerate(ranking, start=1):
            # Equal scores share a rank: two articles of one text are equally close in meaning,
            # and the order their ids give them must not outvote the lexical one.
            if index == 1 or scored.score != ranking[index - 2].score:
                position = index
            fused[scored.article_id] = fused.get(scored.article_id, 0.0) + weight / (
                RRF_K + position
            )
    # Ties (e.g. two articles of the same text) go to the lexical order, which knows recency.
    first = {s.article_id: i for i, s in enumerate(lists[0][1])} if lists else {}
    ordered = sorted(fused, key=lambda i: (-round(fused[i], 9), first.get(i, len(first)), i))
    languages = {row[0]: row[5] for row in rows}
    return [Scored(i, round(fused[i] * 100, 4), languages.get(i, "")) for i in ordered]


def index_article(article) -> None:
    """Bring the database's full-text index up to date with the article's lemma text.

    On PostgreSQL the tsvector is a generated column and follows by itself; SQLite's FTS5 table
    is written here, inside the caller's transaction.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kb_article_fts WHERE rowid = %s", [article.pk])
        cursor.execute(
            "INSERT INTO kb_article_fts (rowid, title, tags, body) VALUES (%s, %s, %s, %s)",
            [article.pk, article.search_title, article.search_tags, article.search_body],
        )


def unindex_article(article_id: int) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kb_article_fts WHERE rowid = %s", [article_id])
