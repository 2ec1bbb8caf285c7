"""The semantic half of search: a text's point in two spaces of word vectors, side by side.

- the field's own vectors: latent semantic analysis over the lemmas of the seed articles, cut
  into passages, and of the search dictionary's entries (a term next to its meaning is one
  passage, which puts «РВЭ» and «ввод в эксплуатацию» in the same place).
  ``manage.py kb_semantic_build`` fits them into data/semantic_vectors.npz;
- general Russian: navec's vectors of news words (kb.news_vectors), which know the words of a
  question that no article uses («ключи», «весна», «асфальт», «сарай»).

Both ship with the package; nothing is downloaded and nothing is fitted at run time. A text's
vector in each space is the weighted mean of its lemmas' vectors, of unit length; an article's
``Article.embedding`` is the two put end to end, computed when it is saved.

Each process keeps every article's vector of the field's space in one matrix, reloaded when
``SearchIndexState.token`` moves, so that a query is one matrix-vector product over all of
them. navec's part (300 dimensions) is not kept there: at 100,000 articles it would make that
matrix 158 MB instead of 38 and the product six times slower. It ranks only the candidates the
other two rankings found, read with their text (``news_cosines``).
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.db import connection
from threadpoolctl import ThreadpoolController

from stroydesk.kb import news_vectors
from stroydesk.kb.models import Article, SearchIndexState

VECTORS_FILE = Path(__file__).parent / "data" / "semantic_vectors.npz"
DIMENSIONS = 96
# The spaces a query is looked up in; the benchmark switches them off one at a time.
PARTS = {"lsa": True, "news": True}
# Field weights of an article's vector: the title says what it is about more than the body.
TITLE_WEIGHT, TAGS_WEIGHT, BODY_WEIGHT = 3.0, 2.0, 1.0


@dataclass(frozen=True)
class WordVectors:
    index: dict[str, int]
    vectors: np.ndarray  # (words, dimensions), rows of unit length
    idf: np.ndarray  # (words,)

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])


@lru_cache(maxsize=1)
def word_vectors() -> WordVectors:
    with np.load(VECTORS_FILE, allow_pickle=False) as data:
        words = [str(w) for w in data["words"]]
        return WordVectors(
            index={w: i for i, w in enumerate(words)},
            vectors=data["vectors"].astype(np.float32),
            idf=data["idf"].astype(np.float32),
        )


def embed(weighted: dict[str, float]) -> np.ndarray | None:
    """The unit vector of lemmas with weights, or None when no lemma has a vector."""
    wv = word_vectors()
    rows, weights = [], []
    for lemma, weight in weighted.items():
        i = wv.index.get(lemma)
        if i is not None and weight > 0:
            rows.append(i)
            weights.append(weight * float(wv.idf[i]))
    if not rows:
        return None
    vec = np.asarray(weights, dtype=np.float32) @ wv.vectors[rows]
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 1e-9 else None


def article_weights(search_title: str, search_tags: str, search_body: str) -> dict[str, float]:
    """Lemma weights of an article: field weight × (1 + log tf), summed over the fields."""
    weights: dict[str, float] = {}
    for lemma_text, field_weight in (
        (search_title, TITLE_WEIGHT),
        (search_tags, TAGS_WEIGHT),
        (search_body, BODY_WEIGHT),
    ):
        for lemma, tf in Counter(lemma_text.split()).items():
            weights[lemma] = weights.get(lemma, 0.0) + field_weight * (1 + math.log(tf))
    return weights


def lsa_dimensions() -> int:
    return word_vectors().dimensions


def stored_dimensions() -> int:
    """Length of an article's vector: the field's space, then the news space."""
    return lsa_dimensions() + news_vectors.news_vectors().dimensions


def article_embedding(search_title: str, search_tags: str, search_body: str) -> bytes | None:
    """What ``Article.embedding`` holds for this lemma text: both unit vectors end to end, a
    space where no word is known as zeros."""
    weighted = article_weights(search_title, search_tags, search_body)
    lsa, news = embed(weighted), news_vectors.embed(weighted)
    if lsa is None and news is None:
        return None
    joined = np.concatenate(
        [
            np.zeros(lsa_dimensions(), np.float32) if lsa is None else lsa,
            np.zeros(news_vectors.news_vectors().dimensions, np.float32) if news is None else news,
        ]
    )
    return joined.astype("<f4").tobytes()


def news_cosines(query: np.ndarray, embeddings: dict[int, bytes | None]) -> dict[int, float]:
    """Cosine of the query's news vector with each article's (by its stored embedding)."""
    offset, dims = 4 * lsa_dimensions(), news_vectors.news_vectors().dimensions
    out = {}
    for article_id, blob in embeddings.items():
        if blob is not None and len(blob) == offset + 4 * dims:
            vector = np.frombuffer(bytes(blob), dtype="<f4", count=dims, offset=offset)
            out[article_id] = float(vector @ query)
    return out


# --- the articles' matrix, per process ------------------------------------------------------


@dataclass
class ArticleMatrix:
    token: str
    ids: np.ndarray
    vectors: np.ndarray
    # The public articles alone, so that a visitor's query multiplies only what it may see.
    public_ids: np.ndarray
    public_vectors: np.ndarray


_matrices: dict[str, ArticleMatrix] = {}
_lock = threading.Lock()


def index_changed(field: str = "token") -> None:
    """Tell every process that the articles' vectors (or, with field="dictionary_token", the
    search dictionary) changed; inside the caller's transaction."""
    token = str(uuid.uuid4())
    if not SearchIndexState.objects.filter(pk=1).update(**{field: token}):
        SearchIndexState.objects.get_or_create(pk=1, defaults={field: token})


def index_state() -> tuple[str, str]:
    """(articles token, dictionary token) as the database has them now."""
    row = SearchIndexState.objects.filter(pk=1).values_list("token", "dictionary_token").first()
    return row or ("", "")


def article_matrix(token: str | None = None) -> ArticleMatrix:
    """All articles' vectors, as of ``token`` (read from the database when not given)."""
    key = connection.settings_dict["NAME"]
    if token is None:
        token = index_state()[0]
    cached = _matrices.get(key)
    if cached is not None and cached.token == token:
        return cached
    with _lock:
        dims, stored = lsa_dimensions(), 4 * stored_dimensions()
        ids, public, blobs = [], [], []
        rows = (
            Article.objects.filter(embedding__isnull=False)
            .values_list("id", "audience", "embedding")
            .iterator(chunk_size=5000)
        )
        for article_id, audience, blob in rows:
            if blob is not None and len(blob) == stored:
                ids.append(article_id)
                public.append(audience == Article.Audience.PUBLIC)
                blobs.append(bytes(blob[: 4 * dims]))
        vectors = (
            np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dims)
            if blobs
            else np.zeros((0, dims), dtype=np.float32)
        )
        id_array = np.asarray(ids, dtype=np.int64)
        mask = np.asarray(public, dtype=bool)
        matrix = ArticleMatrix(
            token=token,
            ids=id_array,
            vectors=np.ascontiguousarray(vectors),
            public_ids=id_array[mask],
            public_vectors=np.ascontiguousarray(vectors[mask]),
        )
        _matrices[key] = matrix
        return matrix


def nearest(
    query: np.ndarray, *, public_only: bool, limit: int, token: str | None = None
) -> list[tuple[int, float]]:
    """(article id, cosine) of the articles closest to a query vector, closest first."""
    matrix = article_matrix(token)
    ids, vectors = (
        (matrix.public_ids, matrix.public_vectors) if public_only else (matrix.ids, matrix.vectors)
    )
    if not len(ids):
        return []
    with _one_blas_thread():
        scores = _dot(vectors, query.astype(np.float32))
    k = min(limit, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    order = top[np.lexsort((ids[top], -scores[top]))]
    return [(int(ids[i]), float(scores[i])) for i in order]


def _dot(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    return vectors @ query


_blas: ThreadpoolController | None = None


def _one_blas_thread():
    """BLAS on one thread for the product of all articles' vectors with a query's.

    OpenBLAS splits a matrix-vector product over every core; on a busy server (web workers,
    the database) its threads wait for each other: at 100,000 articles on a loaded two-core
    machine the product took 8 ms at the median on two threads and 1.5 ms on one. A request
    runs on one core anyway. The limit holds for this call only (scikit-learn elsewhere in the
    process keeps its threads); finding the BLAS libraries is done once.
    """
    global _blas
    if _blas is None:
        _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")


# --- fitting (manage.py kb_semantic_build) --------------------------------------------------


def fit(passages: list[list[str]], *, dimensions: int = DIMENSIONS) -> dict[str, np.ndarray]:
    """Word vectors by latent semantic analysis of lemmatised passages.

    tf-idf of each passage (1 + log tf, rows of unit length), a truncated SVD, and each word's
    row of V·Σ normalised: words used in the same passages point the same way.
    """
    vocabulary = sorted({lemma for p in passages for lemma in p})
    index = {w: i for i, w in enumerate(vocabulary)}
    df = np.zeros(len(vocabulary), dtype=np.float64)
    for p in passages:
        for lemma in set(p):
            df[index[lemma]] += 1
    n = len(passages)
    idf = np.log((n + 1) / (df + 0.5))
    x = np.zeros((n, len(vocabulary)), dtype=np.float64)
    for r, p in enumerate(passages):
        for lemma, tf in Counter(p).items():
            x[r, index[lemma]] = (1 + math.log(tf)) * idf[index[lemma]]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms > 0, norms, 1)
    _u, s, vt = np.linalg.svd(x, full_matrices=False)
    k = min(dimensions, len(s))
    vectors = vt[:k].T * s[:k]
    if k < dimensions:  # fewer passages than dimensions: pad, so the file's shape is fixed
        vectors = np.hstack([vectors, np.zeros((len(vocabulary), dimensions - k))])
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(lengths > 0, lengths, 1)
    return {
        "words": np.asarray(vocabulary),
        "vectors": vectors.astype(np.float16),
        "idf": idf.astype(np.float32),
    }
