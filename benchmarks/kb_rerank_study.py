"""Knowledge-base search: would a learned rerank beat the reciprocal-rank fusion? A study.

The search fuses its rankings (lexical, the field's LSA vectors, navec's news vectors) by
reciprocal rank with a few constants chosen by hand on the dev half of the evaluation questions
(``kb.search``). This script asks whether weights learned from the dev half do better: for each
question it takes the candidates the search returns and describes each by a few features —

- ``lex``, ``lex_rr``: the lexical score over the best one's, and 1/(4 + its lexical rank);
- ``lsa``, ``lsa_rr``: the cosine in the field's own space, and 1/(4 + its rank there);
- ``news``: the cosine of navec's vectors;
- ``title``, ``tags``, ``body``: the share of the query's weight (idf) each field contains;
- ``window``: the share the best run of 30 body lemmas contains (a passage that answers);

fits a linear model on pairs (the expected article against each other candidate of the top 10,
logistic loss, L2 with C = --C) and prints, per split and kind, recall@1, recall@3 and MRR of the
fusion as it is and of the learned order: 5-fold cross-validation on the dev half (held-out
questions of the half the constants were chosen on), the model fitted on all of dev applied to
the older set (forms, typos, look-alikes) and to the test half (aggregates only, as the quality
benchmark prints them). Nothing here changes the search; SQLite, the seed articles only.

    .venv/bin/python benchmarks/kb_rerank_study.py            # about a minute
    .venv/bin/python benchmarks/kb_rerank_study.py --C 1.0

Result when written (issue 17, dev C = 0.1): cross-validated dev MRR 0.927 against the fusion's
0.935, test MRR 0.840 against 0.843 — the learned weights did not earn a place in the search.
Tried beside it on the dev half (and the older set), none better than the fusion, none kept:
C = 1 and 10; the fusion's own score as a feature; the idf share of the rarest query words; body
length; soft matching (each query word's best navec cosine with the title, tags and lead, or the
whole article); the best share of one tag phrase or of the title the question contains; navec
cosine with each tag phrase; training on dev and the older set together; questions of one half
of dev as passages of the LSA fit, measured on the other half; a hubness correction of the LSA
cosine (minus a quarter of the mean cosine with its five nearest articles: dev MRR +0.002, test
0.842 → 0.829).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

FEATURES = ("lex", "lex_rr", "lsa", "lsa_rr", "news", "title", "tags", "body", "window")
WINDOW = 30
PAIR_DEPTH = 10


def candidate_features(question: str) -> list[dict]:
    """The search's candidates for a question, best first by the fusion, with their features."""
    from stroydesk.kb import news_vectors, search, semantic
    from stroydesk.kb.query import analyse_query

    analysed = analyse_query(question)
    if not analysed.groups:
        return []
    ranked = search.hybrid_ranking(analysed, public_only=True, topic_ids=None, limit=30)
    rows = {row[0]: row for row in search._rows([s.article_id for s in ranked])}
    lexical_ids = search.candidate_ids(analysed, public_only=True, topic_ids=None, limit=30)
    lexical = search.rank(analysed, [rows[i] for i in lexical_ids if i in rows])
    lexical_rank = {s.article_id: (n, s.score) for n, s in enumerate(lexical)}
    top_lexical = lexical[0].score if lexical else 1.0
    lsa_rank = {
        s.article_id: n
        for n, s in enumerate(search.lsa_ranking(analysed, public_only=True, topic_ids=None))
    }
    lsa_query = semantic.embed(analysed.semantic_lemmas)
    news_query = news_vectors.embed(analysed.semantic_lemmas)
    dims = semantic.lsa_dimensions()
    groups = analysed.groups
    total = sum(g.idf for g in groups) or 1.0
    out = []
    for s in ranked:
        _id, title, tags, body, *_rest, embedding, article = rows[s.article_id]
        title_set, tag_set, body_lemmas = set(title.split()), set(tags.split()), body.split()
        body_set = set(body_lemmas)
        share = {"title": 0.0, "tags": 0.0, "body": 0.0}
        for g in groups:
            lemmas = set(g.lemmas)
            share["title"] += g.idf * bool(lemmas & title_set) / total
            share["tags"] += g.idf * bool(lemmas & tag_set) / total
            share["body"] += g.idf * bool(lemmas & body_set) / total
        vector = np.frombuffer(bytes(embedding), dtype="<f4") if embedding else None
        n, score = lexical_rank.get(s.article_id, (None, 0.0))
        lsa_n = lsa_rank.get(s.article_id)
        out.append(
            {
                "slug": article.slug,
                "fused": s.score,
                "lex": score / top_lexical if n is not None else 0.0,
                "lex_rr": 1 / (4 + n) if n is not None else 0.0,
                "lsa": float(vector[:dims] @ lsa_query)
                if vector is not None and lsa_query is not None
                else 0.0,
                "lsa_rr": 1 / (4 + lsa_n) if lsa_n is not None else 0.0,
                "news": float(vector[dims:] @ news_query)
                if vector is not None and news_query is not None
                else 0.0,
                **share,
                "window": best_window(body_lemmas, groups) / total,
            }
        )
    return out


def best_window(body: list[str], groups) -> float:
    """The largest query weight (idf) that WINDOW consecutive body lemmas contain."""
    hits = [
        (pos, gi)
        for pos, lemma in enumerate(body)
        for gi, g in enumerate(groups)
        if lemma in g.lemmas
    ]
    best = 0.0
    for start, _gi in hits:
        inside = {gi for pos, gi in hits if start <= pos < start + WINDOW}
        best = max(best, sum(groups[gi].idf for gi in inside))
    return best


def vector_of(candidate: dict) -> np.ndarray:
    return np.asarray([candidate[f] for f in FEATURES], dtype=np.float64)


def fit(items: list[tuple[dict, list[dict]]], c: float) -> np.ndarray:
    """Weights of a linear score: logistic loss on (expected − other) differences."""
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for question, candidates in items:
        wanted = [k for k in candidates if k["slug"] in question["expected"]][:1]
        others = [k for k in candidates[:PAIR_DEPTH] if k["slug"] not in question["expected"]]
        for good in wanted:
            for other in others:
                diff = vector_of(good) - vector_of(other)
                x += [diff, -diff]
                y += [1, 0]
    if not x:
        return np.zeros(len(FEATURES))
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    return model.fit(np.asarray(x), np.asarray(y)).coef_[0]


def position(question: dict, candidates: list[dict], weights: np.ndarray | None) -> int | None:
    """Where the first expected article lands: in the fusion's order, or by the weights."""
    if weights is None:
        order = candidates
    else:
        scored = [(-float(weights @ vector_of(k)), n) for n, k in enumerate(candidates)]
        order = [candidates[n] for _s, n in sorted(scored)]
    return next((n for n, k in enumerate(order) if k["slug"] in question["expected"]), None)


def rr(p: int | None) -> float:
    return 0.0 if p is None else 1 / (p + 1)


def figures(positions: list[int | None]) -> str:
    n = max(len(positions), 1)
    r1 = sum(p == 0 for p in positions if p is not None) / n
    r3 = sum(p < 3 for p in positions if p is not None) / n
    mrr = sum(rr(p) for p in positions) / n
    return f"recall@1 {r1:.3f}  recall@3 {r3:.3f}  MRR {mrr:.3f}"


def show(label: str, items, fused: list, learned: list) -> None:
    from kb_quality import bootstrap_interval

    diff = [rr(a) - rr(b) for a, b in zip(learned, fused, strict=True)]
    low, high = bootstrap_interval(diff)
    print(
        f"{label} (n={len(items)}): learned minus fusion, MRR {sum(diff) / len(diff):+.3f} "
        f"(95 % interval {low:+.3f} … {high:+.3f})"
    )
    kinds = sorted({q.get("kind", "") for q, _c in items})
    for kind in ["all", *kinds] if len(kinds) > 1 else ["all"]:
        idx = [i for i, (q, _c) in enumerate(items) if kind == "all" or q.get("kind") == kind]
        print(f"  {kind:<14} fusion   {figures([fused[i] for i in idx])}")
        print(f"  {'':<14} learned  {figures([learned[i] for i in idx])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=float, default=0.1, help="inverse L2 strength")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    import kb_quality

    path = Path(tempfile.mkdtemp(prefix="kbrerank-")) / "kb.sqlite3"
    kb_quality.setup_django(f"sqlite:///{path}")
    kb_quality.prepare()

    def described(questions: list[dict]) -> list[tuple[dict, list[dict]]]:
        return [(q, candidate_features(q["q"])) for q in questions]

    questions = kb_quality.question_set()
    dev = described([q for q in questions if q["split"] == "dev"])
    test = described([q for q in questions if q["split"] == "test"])
    older = described(kb_quality.eval_set())

    # Cross-validation on dev: each question ranked by weights fitted without it.
    rng = np.random.RandomState(0)
    folds = np.array_split(rng.permutation(len(dev)), args.folds)
    held_out: list[int | None] = [None] * len(dev)
    for fold in folds:
        inside = {int(i) for i in fold}
        weights = fit([item for i, item in enumerate(dev) if i not in inside], args.C)
        for i in inside:
            held_out[i] = position(*dev[i], weights)
    weights = fit(dev, args.C)
    print("weights fitted on all of dev:", dict(zip(FEATURES, np.round(weights, 3), strict=True)))
    show("dev, cross-validated", dev, [position(q, c, None) for q, c in dev], held_out)
    for label, items in (("older set", older), ("test half", test)):
        show(
            label,
            items,
            [position(q, c, None) for q, c in items],
            [position(q, c, weights) for q, c in items],
        )


if __name__ == "__main__":
    main()
