"""General Russian word vectors for the semantic half of search: a slice of navec, shipped.

navec (github.com/natasha/navec, MIT) is a GloVe model of 250,000 words trained on a billion
words of Russian news, compressed by product quantisation: each 300-dimensional vector is 100
one-byte indexes into 100 tables of 256 three-dimensional pieces. The ``natasha`` package on PyPI
carries it inside its wheel (natasha/data/emb/navec_news_v1_1B_250K_300d_100q.tar). It knows
what the knowledge base's own vectors (kb.semantic, fitted on 47 articles) cannot: that «ключи»,
«весна» and «осень» belong to a flat's handing over, «асфальт» to earthworks, «сарай» to
outbuildings.

Loading the whole model costs every process ~60 MB (the vocabulary as Python strings, and navec
precomputes a 26 MB table of products), so ``manage.py kb_navec_build`` keeps what search can
use: the lemmas (by pymorphy3, as search lemmatises) of the most frequent words of the news and
every lemma of the seed articles and of the search dictionary, each with navec's codes of the
lemma (or, where navec has no such form, of its most frequent form) and a weight that falls with
the word's frequency in the news. The result, data/news_vectors.npz, ships with the package: at
run time nothing of natasha or navec is imported, and a vector is decoded only for the lemmas a
text has.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

VECTORS_FILE = Path(__file__).parent / "data" / "news_vectors.npz"


@dataclass(frozen=True)
class NewsVectors:
    # The lemmas by a 64-bit hash of each, sorted: 320 kB where the words as numpy strings take
    # 5 MB and as a dict of str more. Two of 40,000 words, or a stranger and one of them, share
    # a hash with a chance of about 10⁻¹⁰.
    hashes: np.ndarray  # (words,) uint64, sorted
    indexes: np.ndarray  # (words, pieces) uint8: navec's codes of each word
    codebook: np.ndarray  # (pieces, 256, piece length) float32
    weight: np.ndarray  # (words,) float32: how much a word says, log(all words / its count)
    # Texts' mean vectors share one direction (that of frequent words); it is taken off, and
    # the rest projected onto the principal axes of the kept words: shorter stored vectors.
    mean: np.ndarray  # (300,) float32
    projection: np.ndarray  # (300, dimensions) float32

    @property
    def dimensions(self) -> int:
        return int(self.projection.shape[1])

    def rows(self, lemmas: list[str]) -> tuple[np.ndarray, list[int]]:
        """Row numbers of the lemmas that have a vector, and their positions in ``lemmas``."""
        if not lemmas:
            return np.zeros(0, dtype=np.int64), []
        wanted = word_hashes(lemmas)
        at = np.minimum(np.searchsorted(self.hashes, wanted), len(self.hashes) - 1)
        found = np.flatnonzero(self.hashes[at] == wanted)
        return at[found].astype(np.int64), [int(i) for i in found]

    def decode(self, rows: np.ndarray) -> np.ndarray:
        """The 300-dimensional vectors of these rows, each of unit length."""
        pieces = np.arange(self.indexes.shape[1])
        vectors = self.codebook[pieces, self.indexes[rows]].reshape(len(rows), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1)


def word_hashes(words: list[str]) -> np.ndarray:
    """The stable 64-bit hash of each word (Python's own hash() changes with every process)."""
    return np.asarray(
        [
            int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
            for w in words
        ],
        dtype=np.uint64,
    )


@lru_cache(maxsize=1)
def news_vectors() -> NewsVectors:
    with np.load(VECTORS_FILE, allow_pickle=False) as data:
        return NewsVectors(
            hashes=data["hashes"],
            indexes=data["indexes"],
            codebook=data["codebook"].astype(np.float32),
            weight=data["weight"].astype(np.float32),
            mean=data["mean"].astype(np.float32),
            projection=data["projection"].astype(np.float32),
        )


def embed(weighted: dict[str, float]) -> np.ndarray | None:
    """The unit vector of lemmas with weights (× each word's own weight), projected onto the
    kept axes; None when no lemma is known."""
    nv = news_vectors()
    lemmas = [lemma for lemma, w in weighted.items() if w > 0]
    rows, found = nv.rows(lemmas)
    if not len(rows):
        return None
    weights = np.asarray([weighted[lemmas[i]] for i in found], dtype=np.float32) * nv.weight[rows]
    vec = ((weights @ nv.decode(rows)) / float(weights.sum()) - nv.mean) @ nv.projection
    norm = float(np.linalg.norm(vec))
    return (vec / norm).astype(np.float32) if norm > 1e-9 else None
