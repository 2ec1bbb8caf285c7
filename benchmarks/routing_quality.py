"""Quality and speed of routing suggestions, on the labelled set shipped with routing.

    python benchmarks/routing_quality.py [--size 100000]

Splits the shipped set by date (oldest 80 % to train, newest 20 % to test: the newest rows use
phrasings kept back from the older ones), and prints accuracy, macro-F1 and top-2 accuracy for
the topic and the authority of
  - the majority class (reference),
  - keyword rules built from the directory's own words (topic names; the topic's first
    competent authority),
  - the model (lemma + character TF-IDF, logistic regression),
then the training time at ``--size`` requests (the training rows resampled with replacement)
against the time on the real training rows, and the latency of one suggestion (p50, p95)
against the keyword rules'. No database is needed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts benchmarks/ first on the path, where queue.py would shadow the
# standard library's queue module that scikit-learn needs: the project root goes there instead.
sys.path[0] = str(ROOT)

from stroydesk.routing.learn import Example, scores, split_by_date, train  # noqa: E402
from stroydesk.routing.text import lemmas  # noqa: E402

DATA = ROOT / "stroydesk" / "routing" / "data" / "labelled.jsonl"
DIRECTORY = ROOT / "stroydesk" / "directory" / "data" / "moscow.json"


def load() -> list[Example]:
    return [Example(**json.loads(line)) for line in DATA.open(encoding="utf-8") if line.strip()]


class KeywordRules:
    """The rules an administrator could write from the directory alone."""

    def __init__(self) -> None:
        directory = json.loads(DIRECTORY.read_text(encoding="utf-8"))
        self.words: dict[str, set[str]] = {}
        self.authority: dict[str, str] = {}
        for section in directory["topics"]:
            for topic in section["children"]:
                self.words[topic["code"]] = set(lemmas(topic["name"]))
                owners = topic["authorities"] or section["authorities"]
                self.authority[topic["code"]] = owners[0] if owners else ""

    def rank(self, ex: Example) -> tuple[list[str], list[str]]:
        seen = set(lemmas(f"{ex.subject} {ex.text}"))
        ranked = sorted(self.words, key=lambda code: -len(self.words[code] & seen))
        authorities = list(dict.fromkeys(self.authority[c] for c in ranked if self.authority[c]))
        return ranked, authorities


def figures_of(model, test: list[Example]) -> dict:  # type: ignore[no-untyped-def]
    predictions = model.predict(test)
    pairs = [(e, p) for e, p in zip(test, predictions, strict=True) if e.authority]
    return {
        "topic": scores([e.topic for e in test], [[c for c, _ in p.topics] for p in predictions]),
        "authority": scores(
            [e.authority for e, _ in pairs], [[c for c, _ in p.authorities] for _, p in pairs]
        ),
    }


def line(name: str, figures: dict) -> str:
    return (
        f"  {name:<16} accuracy {figures['accuracy']:.3f}  macro-F1 {figures['macro_f1']:.3f}  "
        f"top-2 {figures['top2']:.3f}  (n={figures['n']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    rows = load()
    learn, test = split_by_date(rows)
    print(
        f"shipped set: {len(rows)} rows; train {len(learn)} (to {learn[-1].date}), "
        f"test {len(test)} (from {test[0].date})"
    )
    with_authority = [e for e in test if e.authority]

    # Majority class
    top_topics = [c for c, _ in Counter(e.topic for e in learn).most_common(2)]
    top_auth = [c for c, _ in Counter(e.authority for e in learn if e.authority).most_common(2)]
    majority = {
        "topic": scores([e.topic for e in test], [top_topics] * len(test)),
        "authority": scores(
            [e.authority for e in with_authority], [top_auth] * len(with_authority)
        ),
    }
    # Keyword rules
    rules = KeywordRules()
    ranked = [rules.rank(e) for e in test]
    keyword = {
        "topic": scores([e.topic for e in test], [r[0] for r in ranked]),
        "authority": scores(
            [e.authority for e in with_authority],
            [r[1] for e, r in zip(test, ranked, strict=True) if e.authority],
        ),
    }
    # The baseline the issue names (lemmas only), then the model as shipped (+ characters)
    lemmas_only = figures_of(train(learn, chars=False), test)
    started = time.perf_counter()
    model = train(learn)
    fit_seconds = time.perf_counter() - started
    model_figures = figures_of(model, test)
    for part in ("topic", "authority"):
        print(f"\n{part}:")
        print(line("majority class", majority[part]))
        print(line("keyword rules", keyword[part]))
        print(line("lemmas only", lemmas_only[part]))
        print(line("model", model_figures[part]))
        ratio = model_figures[part]["accuracy"] / max(keyword[part]["accuracy"], 1e-9)
        print(f"  model / keyword rules accuracy: ×{ratio:.2f}")

    # Latency of one suggestion (warm), against the keyword rules on the same texts
    sample = test[:300]
    model_ms, rules_ms = [], []
    for ex in sample:
        fresh = Example(subject=ex.subject, text=ex.text + " ", applicant_type=ex.applicant_type)
        t = time.perf_counter()
        model.predict([fresh])
        model_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        rules.rank(fresh)
        rules_ms.append((time.perf_counter() - t) * 1000)
    p50, p95 = statistics.median(model_ms), statistics.quantiles(model_ms, n=20)[18]
    rules_p50 = statistics.median(rules_ms)
    print(
        f"\nsuggestion latency (model, in process): p50 {p50:.2f} ms, p95 {p95:.2f} ms; "
        f"keyword rules p50 {rules_p50:.3f} ms (×{p50 / rules_p50:.0f})"
    )

    # Training time at scale
    rng = random.Random(15)
    big = [rng.choice(learn) for _ in range(args.size)]
    t = time.perf_counter()
    train(big)
    big_seconds = time.perf_counter() - t
    rows_ratio = args.size / len(learn)
    print(
        f"training: {len(learn)} requests {fit_seconds:.1f} s; {args.size} requests "
        f"{big_seconds:.1f} s (×{big_seconds / fit_seconds:.1f} for ×{rows_ratio:.0f} rows)"
    )


if __name__ == "__main__":
    main()
