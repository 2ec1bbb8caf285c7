"""The routing classifier: features, training, prediction and the similar-request index.

Pure Python and scikit-learn, no database: the same code serves ``routing_train``, the
benchmark and the suggestion. A request reads as its subject and text; the features are TF-IDF
over Russian lemmas (words and pairs of words, so that «разрешение на ввод» and «разрешение на
строительство» differ) and over character n-grams within words (typos and unknown words still
share most of their n-grams), plus a token for the applicant's kind and the channel. Two
logistic regressions give calibrated probabilities: one over topics, one over authorities.
"""

from __future__ import annotations

import io
import pickle
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stroydesk.routing.text import lemmas, normalise

# scikit-learn and SciPy are imported where they are used, not with this module: every
# process loads this module at start-up (the engine is behind the request card's URLs), and
# the two are ~100 MB resident that a process which never routes (a command, the job consumer
# between trainings) need not hold. Unpickling a stored model imports them as well.

# Bumped when the pickled classes change shape: an older stored model is then retrained, not
# loaded into code that no longer understands it.
FORMAT = 1
# A request longer than this is cut before analysis: the opening says what it is about, and
# the analysis time must stay bounded whatever arrives.
ANALYSED_CHARS = 5000


@dataclass(frozen=True)
class Example:
    """One labelled request: what the applicant wrote and where it belonged."""

    subject: str
    text: str
    applicant_type: str = "resident"
    channel: str = "portal"
    topic: str = ""
    authority: str = ""
    date: str = ""


def lemma_doc(ex: Example) -> str:
    body = f"{ex.subject}. {ex.subject}. {ex.text}"[:ANALYSED_CHARS]
    return " ".join([*lemmas(body), f"kind_{ex.applicant_type}", f"channel_{ex.channel}"])


def char_doc(ex: Example) -> str:
    return normalise(f"{ex.subject}. {ex.text}"[:ANALYSED_CHARS])


class Features:
    """TF-IDF over lemmas (+ lemma pairs) and character n-grams, fitted once."""

    def __init__(self, *, chars: bool = True) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.words = TfidfVectorizer(
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=1,
            dtype=np.float32,
        )
        self.chars = (
            # 3–4 letters within words, the 30,000 most frequent: as accurate on the shipped
            # set's test split as 2–5 letters with 200,000 (benchmarks/routing_quality.py), and
            # half the training time.
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(3, 4),
                sublinear_tf=True,
                min_df=2,
                max_features=30_000,
                dtype=np.float32,
            )
            if chars
            else None
        )

    def fit_transform(self, examples: Sequence[Example]) -> Any:
        from scipy.sparse import hstack

        words = self.words.fit_transform([lemma_doc(e) for e in examples])
        if self.chars is None:
            return words
        return hstack([words, self.chars.fit_transform([char_doc(e) for e in examples])]).tocsr()

    def transform(self, examples: Sequence[Example]) -> Any:
        from scipy.sparse import hstack

        words = self.words.transform([lemma_doc(e) for e in examples])
        if self.chars is None:
            return words
        return hstack([words, self.chars.transform([char_doc(e) for e in examples])]).tocsr()


@dataclass
class Prediction:
    """Probabilities of one request, best first."""

    topics: list[tuple[str, float]]
    authorities: list[tuple[str, float]]


@dataclass
class Classifier:
    """The fitted features and the two linear models."""

    features: Features
    topic_model: Any
    authority_model: Any | None
    format: int = FORMAT
    trained_on: int = 0
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        x = self.features.transform(examples)
        topic_p = self.topic_model.predict_proba(x)
        authority_model = self.authority_model
        auth_p = authority_model.predict_proba(x) if authority_model is not None else None
        out = []
        for i in range(len(examples)):
            topics = _ranked(self.topic_model.classes_, topic_p[i])
            authorities = (
                _ranked(authority_model.classes_, auth_p[i])
                if authority_model is not None and auth_p is not None
                else []
            )
            out.append(Prediction(topics=topics, authorities=authorities))
        return out

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(self, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return zlib.compress(buffer.getvalue(), 6)

    @staticmethod
    def loads(blob: bytes) -> Classifier | None:
        """The stored classifier, or None when it was written by an incompatible version."""
        try:
            loaded = pickle.loads(zlib.decompress(bytes(blob)))
        except Exception:
            return None
        if not isinstance(loaded, Classifier) or loaded.format != FORMAT:
            return None
        return loaded


def _ranked(classes: Iterable[str], probabilities: Any) -> list[tuple[str, float]]:
    pairs = [(str(c), float(p)) for c, p in zip(classes, probabilities, strict=True)]
    return sorted(pairs, key=lambda pair: -pair[1])


def _model(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    # Newton-CG, not L-BFGS: the same convex problem, so the same model (the shipped set's
    # figures are identical to the third decimal, benchmarks/routing_quality.py), but L-BFGS
    # keeps ten past steps of every coefficient (27 topics × 20,000 features: +140 MB while
    # fitting, SciPy's lbfgsb work array) where Newton-CG needs a few vectors (+35 MB), and it
    # converges in a quarter of the time here.
    return LogisticRegression(C=c, max_iter=2000, solver="newton-cg")


def train(examples: Sequence[Example], *, chars: bool = True, c: float = 20.0) -> Classifier:
    """Fit the features and both models; authority only on rows that have one."""
    started = time.perf_counter()
    examples = [e for e in examples if e.topic]
    features = Features(chars=chars)
    x = features.fit_transform(examples)
    topic_model = _model(c).fit(x, [e.topic for e in examples])
    with_authority = [i for i, e in enumerate(examples) if e.authority]
    authority_model = None
    if len({examples[i].authority for i in with_authority}) >= 2:
        authority_model = _model(c).fit(
            x[with_authority], [examples[i].authority for i in with_authority]
        )
    return Classifier(
        features=features,
        topic_model=topic_model,
        authority_model=authority_model,
        trained_on=len(examples),
        seconds=time.perf_counter() - started,
    )


# --- Evaluation ---------------------------------------------------------------------------


def scores(truth: Sequence[str], ranked: Sequence[Sequence[str]]) -> dict[str, float]:
    """Accuracy, macro-F1 (over the classes present in the truth) and top-2 accuracy."""
    from sklearn.metrics import f1_score

    best = [r[0] if r else "" for r in ranked]
    labels = sorted(set(truth))
    return {
        "accuracy": float(np.mean([t == b for t, b in zip(truth, best, strict=True)])),
        "macro_f1": float(f1_score(truth, best, labels=labels, average="macro", zero_division=0)),
        "top2": float(np.mean([t in r[:2] for t, r in zip(truth, ranked, strict=True)])),
        "n": len(truth),
    }


def evaluate(model: Classifier, test: Sequence[Example]) -> dict[str, dict[str, float]]:
    predictions = model.predict(test)
    topic = scores([e.topic for e in test], [[c for c, _ in p.topics] for p in predictions])
    pairs = [(e, p) for e, p in zip(test, predictions, strict=True) if e.authority]
    authority = scores(
        [e.authority for e, _ in pairs], [[c for c, _ in p.authorities] for _, p in pairs]
    )
    return {"topic": topic, "authority": authority}


def split_by_date(
    examples: Sequence[Example], *, test_share: float = 0.2
) -> tuple[list[Example], list[Example]]:
    """The oldest rows to train on, the newest to test: how the model will be used."""
    ordered = sorted(examples, key=lambda e: e.date)
    cut = int(len(ordered) * (1 - test_share))
    return ordered[:cut], ordered[cut:]


# --- Similar requests ---------------------------------------------------------------------


@dataclass
class SimilarIndex:
    """TF-IDF rows of answered requests, searched by cosine similarity."""

    keys: list[Any]
    matrix: Any
    features: Features

    @classmethod
    def build(cls, features: Features, items: Sequence[tuple[Any, Example]]) -> SimilarIndex:
        keys = [k for k, _ in items]
        matrix = features.words.transform([lemma_doc(e) for _, e in items]) if items else None
        return cls(keys=keys, matrix=matrix, features=features)

    def search(
        self, ex: Example, *, limit: int = 5, exclude: Any = None
    ) -> list[tuple[Any, float]]:
        if self.matrix is None or not self.keys:
            return []
        query = self.features.words.transform([lemma_doc(ex)])
        from sklearn.metrics.pairwise import linear_kernel

        sims = linear_kernel(query, self.matrix).ravel()
        order = np.argsort(-sims)[: limit + 1]
        out = []
        for i in order:
            if sims[i] <= 0.05 or self.keys[i] == exclude:
                continue
            out.append((self.keys[i], round(float(sims[i]), 3)))
        return out[:limit]
