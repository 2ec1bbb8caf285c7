"""Knowledge-base search: quality on the evaluation set, the baseline, and latency at scale.

Prints recall@1, recall@3 and MRR of ``kb.selectors.article_search`` per kind of question and
overall, on PostgreSQL and on SQLite, over two evaluation sets of the project's own:
stroydesk/kb/data/eval_questions.json (questions written the way people write: colloquial, formal
legal, paraphrase, abbreviations and slang, typos and transliteration, near-neighbour traps; a
``dev`` half the search was tuned on and a ``test`` half it was not) and the older
stroydesk/kb/data/eval_queries.json (word forms, typos, look-alike letters). The same figures for
PostgreSQL's plain ``russian`` full-text configuration over the raw article text (no lemmas, no
typo correction, no synonyms) as the baseline; with ``--ablate``, the figures without each part of
the hybrid ranking (dictionary, each space of semantic vectors, transliteration); and the p50/p95
latency of ``article_search`` with 100,000 articles in a separate PostgreSQL database.

    .venv/bin/python benchmarks/kb_quality.py                      # everything
    .venv/bin/python benchmarks/kb_quality.py --articles 20000     # a smaller latency run
    .venv/bin/python benchmarks/kb_quality.py --skip-latency       # quality figures only

The benchmark database (default stroydesk_kb_bench) is created when missing and reused: the
synthetic articles are generated once and topped up to --articles on later runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Python puts this script's folder first on sys.path, where a sibling benchmark named like a
# standard module (benchmarks/queue.py shadows ``queue``, which Django needs) would win.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL_FILE = ROOT / "stroydesk" / "kb" / "data" / "eval_queries.json"
QUESTIONS_FILE = ROOT / "stroydesk" / "kb" / "data" / "eval_questions.json"
SYNTHETIC_PREFIX = "synthetic-"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("STROYDESK_DEMO", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stroydesk.settings")
    os.environ.setdefault("STROYDESK_VAR_DIR", tempfile.mkdtemp(prefix="kbbench-"))
    import django

    django.setup()


def ensure_pg_database(url: str, *, fresh: bool = False) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def prepare() -> None:
    from django.core.management import call_command

    from stroydesk.directory.services import directory_seed
    from stroydesk.kb.seed import kb_seed

    call_command("migrate", verbosity=0)
    directory_seed()
    report = kb_seed()
    print(f"seed articles: {report.created} created, {report.updated} updated")


# --- quality --------------------------------------------------------------------------------


def metrics(ranked_lists: list[list[str]], expected: list[set[str]]) -> dict[str, float]:
    r1 = r3 = r5 = rr = 0.0
    for ranked, want in zip(ranked_lists, expected, strict=True):
        positions = [i for i, slug in enumerate(ranked) if slug in want]
        if positions:
            first = positions[0]
            r1 += first == 0
            r3 += first < 3
            r5 += first < 5
            rr += 1 / (first + 1)
    n = max(len(expected), 1)
    return {"recall@1": r1 / n, "recall@3": r3 / n, "recall@5": r5 / n, "MRR": rr / n}


def eval_set() -> list[dict]:
    return json.loads(EVAL_FILE.read_text(encoding="utf-8"))


def question_set() -> list[dict]:
    return json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))


def our_rankings(queries: list[dict]) -> list[list[str]]:
    from stroydesk.kb.selectors import article_search

    return [
        [
            h.slug
            for h in article_search(q["q"], user=None, limit=10)
            if not h.slug.startswith(SYNTHETIC_PREFIX)
        ]
        for q in queries
    ]


# PostgreSQL out of the box: the 'russian' configuration (Snowball stems) over the raw text.
BASELINE_VECTOR = (
    "(setweight(to_tsvector('russian'::regconfig, {p}title), 'A') || "
    "setweight(to_tsvector('russian'::regconfig, {p}tags), 'B') || "
    "setweight(to_tsvector('russian'::regconfig, {p}summary || ' ' || {p}body), 'C'))"
)
# In the latency database the same vector is a stored column with a GIN index, as a
# deployment of PostgreSQL's own full-text search would keep it (see ensure_baseline_index).
BASELINE_COLUMN = "bench_russian"


def baseline_query(query: str, *, operator: str, stored: bool = False) -> list[str]:
    """Slugs of the best ten public articles by the 'russian' configuration alone."""
    from django.db import connection

    if operator == "and":
        tsquery = "plainto_tsquery('russian', %s)"
    else:
        # The same words OR-ed: fairer to long questions than plainto's AND.
        tsquery = "replace(plainto_tsquery('russian', %s)::text, '&', '|')::tsquery"
    vector = f"a.{BASELINE_COLUMN}" if stored else BASELINE_VECTOR.format(p="a.")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.slug FROM kb_article a, (SELECT {tsquery} AS q) qq "
            f"WHERE a.audience = 'public' AND {vector} @@ qq.q "
            f"ORDER BY ts_rank({vector}, qq.q) DESC, a.id LIMIT 10",
            [query],
        )
        return [row[0] for row in cursor.fetchall()]


def baseline_rankings(queries: list[dict], *, operator: str) -> list[list[str]]:
    return [baseline_query(q["q"], operator=operator) for q in queries]


def print_metrics(label: str, m: dict[str, float], n: int) -> None:
    print(
        f"  {label:<44} recall@1 {m['recall@1']:.3f}   recall@3 {m['recall@3']:.3f}   "
        f"MRR {m['MRR']:.3f}   (n={n})",
        flush=True,
    )


def report(label: str, queries: list[dict], ranked: list[list[str]], *, by_kind: bool) -> None:
    expected = [set(q["expected"]) for q in queries]
    print_metrics(label, metrics(ranked, expected), len(queries))
    if not by_kind:
        return
    for kind in sorted({q["kind"] for q in queries}):
        idx = [i for i, q in enumerate(queries) if q["kind"] == kind]
        m = metrics([ranked[i] for i in idx], [expected[i] for i in idx])
        print_metrics(f"  … {kind}", m, len(idx))


def report_questions(
    label: str,
    questions: list[dict],
    ranked: list[list[str]],
    *,
    against: list[list[str]] | None = None,
) -> None:
    """Overall, then per split (dev, test) with each kind; with ``against`` (the full search's
    rankings), the paired difference of MRR with its 95 % bootstrap interval, per split."""
    report(f"{label}: all questions", questions, ranked, by_kind=False)
    for split in ("dev", "test"):
        idx = [i for i, q in enumerate(questions) if q.get("split") == split]
        report(
            f"{label}: {split}",
            [questions[i] for i in idx],
            [ranked[i] for i in idx],
            by_kind=True,
        )
    intervals = []
    for split in ("all", "dev", "test"):
        idx = [i for i, q in enumerate(questions) if split == "all" or q.get("split") == split]
        mine = reciprocal_ranks([ranked[i] for i in idx], [questions[i] for i in idx])
        if against is None:
            low, high = bootstrap_interval(mine)
            intervals.append(f"{split} [{low:.3f}, {high:.3f}]")
        else:
            full = reciprocal_ranks([against[i] for i in idx], [questions[i] for i in idx])
            diff = [a - b for a, b in zip(mine, full, strict=True)]
            low, high = bootstrap_interval(diff)
            intervals.append(f"{split} {sum(diff) / len(diff):+.3f} [{low:+.3f}, {high:+.3f}]")
    title = "MRR, 95 % interval" if against is None else "MRR minus the full search's, 95 %"
    print(f"    {title}: " + "   ".join(intervals), flush=True)


def reciprocal_ranks(ranked_lists: list[list[str]], questions: list[dict]) -> list[float]:
    """1 / position of the first expected article in each ranking (0 when it is absent)."""
    out = []
    for ranked, q in zip(ranked_lists, questions, strict=True):
        first = next((n for n, slug in enumerate(ranked) if slug in q["expected"]), None)
        out.append(0.0 if first is None else 1 / (first + 1))
    return out


def bootstrap_interval(
    values: list[float], *, rounds: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the mean over resamples of the questions.

    With 100 questions a change of one question's rank moves MRR by up to 0.01, and the
    questions differ far more than that: the interval says which differences are more than
    the luck of which questions were written.
    """
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


# Parts of the hybrid ranking that --ablate switches off one at a time (kb.search.FEATURES;
# «synonyms» is data/synonyms.json, the dictionary the admin edits is «dictionary»).
ABLATIONS = ("dictionary", "synonyms", "semantic", "transliteration", "lexical")


def quality(*, backend: str, with_baseline: bool, show_misses: bool, ablate: bool) -> None:
    from stroydesk.kb import search

    questions = question_set()
    queries = eval_set()
    ours = our_rankings(questions)
    report_questions(f"article_search on {backend}", questions, ours)
    report("  older set (forms, typos, look-alikes)", queries, our_rankings(queries), by_kind=True)
    if show_misses:
        # Only the dev half's misses: the test half stays unseen by whoever tunes the search.
        for q, ranked in zip(questions, ours, strict=True):
            if q["split"] == "dev" and not set(q["expected"]) & set(ranked[:3]):
                print(
                    f"    MISS [{q['split']} {q['kind']}] {q['q']!r}: "
                    f"{q['expected']} → {ranked[:3]}"
                )
    if ablate:
        from stroydesk.kb import semantic

        for space in semantic.PARTS:
            semantic.PARTS[space] = False
            try:
                report_questions(
                    f"without {space} vectors",
                    questions,
                    our_rankings(questions),
                    against=ours,
                )
            finally:
                semantic.PARTS[space] = True
        features = getattr(search, "FEATURES", {})
        for part in ABLATIONS:
            if part not in features:
                continue
            saved = dict(features)
            features[part] = False
            try:
                report_questions(
                    f"without {part}", questions, our_rankings(questions), against=ours
                )
            finally:
                features.update(saved)
    if with_baseline:
        for op in ("and", "or"):
            label = f"baseline russian {'AND' if op == 'and' else 'OR'}"
            report_questions(
                label, questions, baseline_rankings(questions, operator=op), against=ours
            )


# --- latency --------------------------------------------------------------------------------


def top_up_synthetic(total: int, *, seed: int = 7) -> None:
    """Generate synthetic articles from the seed vocabulary until there are ``total`` articles."""
    from django.db import connection, transaction

    from stroydesk.directory.models import Topic
    from stroydesk.kb.models import Article, SearchLemma, SearchTerm
    from stroydesk.kb.semantic import article_embedding, index_changed

    have = Article.objects.count()
    if have >= total:
        print(f"benchmark database has {have} articles")
        return
    rng = random.Random(seed + have)
    vocab = list(SearchTerm.objects.values_list("form", "lemma"))
    weights = [1 / (i + 1) ** 0.9 for i in range(len(vocab))]  # Zipf-like word frequencies
    rng.shuffle(vocab)
    topic_ids = list(Topic.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    need = total - have
    print(f"generating {need} synthetic articles …", flush=True)
    started = time.perf_counter()
    doc_freq: dict[str, int] = {}
    batch = 5000
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM kb_article")
        next_id = cursor.fetchone()[0] + 1
    for offset in range(0, need, batch):
        rows, topic_rows = [], []
        for i in range(min(batch, need - offset)):
            aid = next_id + offset + i
            title_words = rng.choices(vocab, weights=weights, k=rng.randint(4, 9))
            body_words = rng.choices(vocab, weights=weights, k=rng.randint(80, 260))
            title = " ".join(f for f, _ in title_words).capitalize()
            body = " ".join(f for f, _ in body_words) + "."
            search_title = " ".join(lemma for _, lemma in title_words)
            search_body = " ".join(lemma for _, lemma in body_words)
            for lemma in set(search_title.split()) | set(search_body.split()):
                doc_freq[lemma] = doc_freq.get(lemma, 0) + 1
            rows.append(
                (
                    aid,
                    title[:250],
                    f"{SYNTHETIC_PREFIX}{aid}",
                    body,
                    f"<p>{body}</p>",
                    search_title,
                    search_body,
                    article_embedding(search_title, "", search_body),
                )
            )
            topic_rows.append((aid, rng.choice(topic_ids)))
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                "COPY kb_article (id, title, slug, body, body_html, search_title, search_body, "
                "summary, tags, search_tags, audience, language, legal_acts, created_at, "
                "updated_at, reviewed_at, version, helpful_yes, helpful_no, embedding) FROM STDIN"
            ) as copy:
                for aid, title, slug, body, html, st, sb, vector in rows:
                    copy.write_row(
                        (
                            aid,
                            title,
                            slug,
                            body,
                            html,
                            st,
                            sb,
                            "",
                            "",
                            "",
                            "public",
                            "ru",
                            "[]",
                            "2025-01-01T00:00:00Z",
                            "2025-01-01T00:00:00Z",
                            "2025-06-01T00:00:00Z",
                            1,
                            0,
                            0,
                            vector,
                        )
                    )
            with raw.copy("COPY kb_article_topics (article_id, topic_id) FROM STDIN") as copy:
                for row in topic_rows:
                    copy.write_row(row)
        print(f"  {offset + len(rows)} / {need}", flush=True)
    with transaction.atomic():
        for lemma, n in doc_freq.items():
            SearchLemma.objects.filter(lemma=lemma).update(doc_count=models_f("doc_count") + n)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('kb_article', 'id'), max(id)) FROM kb_article"
            )
            cursor.execute("ANALYZE")
        index_changed()
    print(f"generated in {time.perf_counter() - started:.0f} s")


def refresh_vectors() -> None:
    """Compute every article's vector again when data/semantic_vectors.npz changed since the
    database was filled (the vectors of another fit are not comparable)."""
    import hashlib

    from django.db import connection, transaction

    from stroydesk.kb.models import Article
    from stroydesk.kb.news_vectors import VECTORS_FILE as NEWS_FILE
    from stroydesk.kb.semantic import VECTORS_FILE, article_embedding, index_changed

    digest = hashlib.sha256(VECTORS_FILE.read_bytes() + NEWS_FILE.read_bytes()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS kb_bench_meta (vectors text NOT NULL)")
        cursor.execute("SELECT vectors FROM kb_bench_meta")
        row = cursor.fetchone()
    if row and row[0] == digest:
        return
    print("vectors changed: computing every article's vector again …", flush=True)
    rows = Article.objects.values_list("id", "search_title", "search_tags", "search_body")
    batch: list[tuple[bytes | None, int]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for aid, title, tags, body in rows.iterator(chunk_size=5000):
            batch.append((article_embedding(title, tags, body), aid))
            if len(batch) == 5000:
                cursor.executemany("UPDATE kb_article SET embedding = %s WHERE id = %s", batch)
                batch = []
        cursor.executemany("UPDATE kb_article SET embedding = %s WHERE id = %s", batch)
        cursor.execute("DELETE FROM kb_bench_meta")
        cursor.execute("INSERT INTO kb_bench_meta (vectors) VALUES (%s)", [digest])
        index_changed()


def models_f(name: str):
    from django.db.models import F

    return F(name)


def percentile95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[max(int(len(ordered) * 0.95) - 1, 0)]


def ensure_baseline_index() -> None:
    """The stored 'russian' vector and its GIN index in the latency database (made once)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE kb_article ADD COLUMN IF NOT EXISTS {BASELINE_COLUMN} tsvector "
            f"GENERATED ALWAYS AS ({BASELINE_VECTOR.format(p='')}) STORED"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS kb_bench_russian_gin ON kb_article "
            f"USING gin ({BASELINE_COLUMN})"
        )
        cursor.execute("ANALYZE kb_article")


def latency(n_queries: int, sample: int = 0) -> None:
    from django.db import connection

    from stroydesk.kb.models import Article, SearchTerm
    from stroydesk.kb.selectors import article_search

    rng = random.Random(11)
    queries = [q["q"] for q in question_set() + eval_set()]
    forms = list(SearchTerm.objects.values_list("form", flat=True))
    while len(queries) < n_queries:
        queries.append(" ".join(rng.sample(forms, rng.randint(1, 4))))
    if sample:
        # PostgreSQL's own search ranks every matching row (seconds for a common word at
        # 100,000 articles on a busy machine): a fixed random sample keeps the run short.
        queries = random.Random(5).sample(queries, min(sample, len(queries)))
    from stroydesk.kb import query as kb_query
    from stroydesk.kb import search

    lexical_only = {"dictionary": False, "semantic": False, "transliteration": False}

    def timed(query: str, features: dict[str, bool]) -> float:
        saved = dict(search.FEATURES)
        search.FEATURES.update(features)
        try:
            started = time.perf_counter()
            article_search(query, user=None, limit=10)
            return (time.perf_counter() - started) * 1000
        finally:
            search.FEATURES.update(saved)

    def timed_baseline(query: str) -> float:
        started = time.perf_counter()
        baseline_query(query, operator="or", stored=True)
        return (time.perf_counter() - started) * 1000

    ensure_baseline_index()
    for q in queries[:10]:  # warm-up: dictionaries, the vectors' matrix, connection
        timed(q, {})
        timed(q, lexical_only)
        timed_baseline(q)
    # Every query is timed with its analysis done afresh: the cache of analysed queries serves
    # the portal's repeated suggestions, not a benchmark of distinct questions.
    kb_query.clear_caches()
    # The references, timed on the same queries, interleaved, so that the load of the machine
    # weighs on all alike: PostgreSQL's own 'russian' full-text search over a GIN index of the
    # same expression, and the lexical search alone (what search was before the hybrid).
    hybrid, reference, lexical = [], [], []
    for q in queries:
        hybrid.append(timed(q, {}))
        reference.append(timed_baseline(q))
        lexical.append(timed(q, lexical_only))
    count = Article.objects.count()
    load = os.getloadavg()[0]
    print(
        f"  {count} articles, {len(queries)} queries, "
        f"load average {load:.1f} on {os.cpu_count()} cores"
    )
    for label, timings in (
        ("hybrid article_search", hybrid),
        ("reference: PostgreSQL 'russian' (GIN, OR)", reference),
        ("lexical part alone", lexical),
    ):
        timings.sort()
        print(
            f"  {label:<42} p50 {statistics.median(timings):6.1f} ms   "
            f"p95 {percentile95(timings):6.1f} ms   max {timings[-1]:6.1f} ms"
        )
    for label, other in (("PostgreSQL 'russian'", reference), ("lexical alone", lexical)):
        print(
            f"  ratio hybrid / {label}: p50 "
            f"{statistics.median(hybrid) / statistics.median(other):.2f}, "
            f"p95 {percentile95(hybrid) / percentile95(other):.2f}"
        )
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # The same planner settings as kb.search._ranked_matches uses.
        cursor.execute(
            "SELECT set_config('enable_seqscan', 'off', true), "
            "set_config('enable_indexscan', 'off', true)"
        )
        cursor.execute(
            "EXPLAIN ANALYZE SELECT a.id FROM kb_article a "
            "WHERE a.search_vector @@ to_tsquery('simple', %s) LIMIT 200",
            ["('разрешение') & ('строительство' | 'строить')"],
        )
        plan = [row[0].strip() for row in cursor.fetchall()]
    print("  plan of an index query:", " / ".join(p for p in plan if "Scan" in p or "Exec" in p))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/stroydesk_kb_bench")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--sample", type=int, default=0, help="time this many of the queries")
    parser.add_argument(
        "--misses", action="store_true", help="list the dev questions missed in the top 3"
    )
    parser.add_argument("--ablate", action="store_true", help="figures without each part too")
    parser.add_argument(
        "--stale-vectors",
        action="store_true",
        help="latency without recomputing 100,000 vectors after a refit (slow on a busy machine)",
    )
    parser.add_argument(
        "--part", choices=["all", "pg-quality", "sqlite-quality", "pg-latency"], default="all"
    )
    args = parser.parse_args()

    if args.part == "all":
        # Each part in its own process: Django binds to one database per process. Quality is
        # measured on the seed articles alone (a database of its own), latency on the big one.
        parts = ["pg-quality", "sqlite-quality"] + ([] if args.skip_latency else ["pg-latency"])
        for part in parts:
            cmd = [
                sys.executable,
                __file__,
                "--part",
                part,
                "--pg-url",
                args.pg_url,
                "--articles",
                str(args.articles),
                "--queries",
                str(args.queries),
            ]
            cmd += ["--misses"] if args.misses else []
            cmd += ["--stale-vectors"] if args.stale_vectors else []
            cmd += ["--sample", str(args.sample)]
            subprocess.run(cmd + (["--ablate"] if args.ablate else []), check=True)
        return
    if args.part == "sqlite-quality":
        path = Path(tempfile.mkdtemp(prefix="kbbench-")) / "kb.sqlite3"
        setup_django(f"sqlite:///{path}")
        prepare()
        quality(
            backend="SQLite",
            with_baseline=False,
            show_misses=args.misses,
            ablate=args.ablate,
        )
    elif args.part == "pg-quality":
        url = f"{args.pg_url}_quality"
        ensure_pg_database(url, fresh=True)  # the seed articles alone, analysed afresh
        setup_django(url)
        prepare()
        print("quality on the evaluation sets (an expected article in the top 1 / top 3):")
        quality(
            backend="PostgreSQL",
            with_baseline=True,
            show_misses=args.misses,
            ablate=args.ablate,
        )
    else:
        ensure_pg_database(args.pg_url)
        setup_django(args.pg_url)
        prepare()
        top_up_synthetic(args.articles)
        if args.stale_vectors:
            print("vectors not recomputed: timings only (their values do not change the work)")
        else:
            refresh_vectors()
        latency(args.queries, args.sample)


if __name__ == "__main__":
    main()
