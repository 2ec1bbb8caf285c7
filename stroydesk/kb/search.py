"""The search engine behind ``kb.selectors.article_search``, the same on PostgreSQL and SQLite.

A query is analysed (``kb.query``) into groups of alternative lemmas (the word's lemma, a typo
correction, synonyms, the Cyrillic reading of a transliterated word), and the entries of the
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

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import connection
from django.utils import timezone

from stroydesk.kb import news_vectors, semantic
from stroydesk.kb.models import Article
from stroydesk.kb.query import FEATURES, AnalysedQuery, QueryGroup

TITLE_WEIGHT, TAGS_WEIGHT, BODY_WEIGHT = 3.0, 1.5, 1.0
# Candidates shorter than this share of the query's weight are noise from one common word.
MIN_COVERAGE = 0.3
# A lemma in more articles than this share (and this many at least) is left out of the «any
# word» query (see without_common_lemmas).
COMMON_SHARE, COMMON_MIN = 0.05, 2000
# At most this many matching articles are ranked by the index per pass (see candidate_ids).
SCAN_CAP = 200
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
        needed = _index_query(
            without_common_lemmas(necessary_groups(groups), analysed.total_docs),
            all_groups=False,
            vendor=vendor,
        )
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


def without_common_lemmas(groups: list[QueryGroup], total_docs: int) -> list[QueryGroup]:
    """The groups without the lemmas common enough to be in COMMON_SHARE of the articles (and
    COMMON_MIN at least), for the «any word» query; the groups as they are if none would
    remain.

    A group's weight is that of its rarest lemma, so «стройка» keeps its group necessary while
    its synonym «строительство» is in most articles of a large base. Finding those articles
    costs a bitmap of all of them (15 ms for 70,000 of 100,000), and of them the query keeps the
    first SCAN_CAP the table happens to hold: no better candidates than none. With a few
    hundred articles no lemma is common by this rule and nothing changes.
    """
    limit = max(COMMON_SHARE * total_docs, COMMON_MIN)
    out = []
    for g in groups:
        rare = {lemma: w for lemma, w in g.lemmas.items() if g.doc_counts.get(lemma, 0) <= limit}
        if rare:
            out.append(replace(g, lemmas=rare))
    return out or groups


# --- ranking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    article_id: int
    score: float
    language: str = ""
    # The article itself, read with the candidates (see _rows), for the hits.
    article: Article | None = field(default=None, compare=False, repr=False)


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
    """(id, title lemmas, tag lemmas, body lemmas, reviewed_at, language, embedding, article)
    of the candidates: what the lexical ranking, the news vectors, the reader's language and
    the hits need, in one round trip (the hits were a second one; the few kilobytes of a
    candidate's HTML cost less than it)."""
    return [
        (a.pk, a.search_title, a.search_tags, a.search_body, a.reviewed_at, a.language,
         a.embedding, a)
        for a in Article.objects.filter(pk__in=ids).defer("body")
    ]  # fmt: skip


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
    by_id = {row[0]: row for row in rows}
    return [
        Scored(i, round(fused[i] * 100, 4), by_id[i][5], by_id[i][7])
        if i in by_id
        else Scored(i, round(fused[i] * 100, 4))
        for i in ordered
    ]


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
