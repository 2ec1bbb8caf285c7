"""The product of all articles' vectors with a query's runs on one BLAS thread: OpenBLAS's
threads wait for each other on a busy server (see kb.semantic._one_blas_thread)."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from stroydesk.kb import semantic


def blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_the_nearest_articles_are_found_on_one_blas_thread(seeded_once, db, monkeypatch):
    seen: list[set[int]] = []
    product = semantic._dot

    def spy(vectors, query):
        seen.append(blas_threads())
        return product(vectors, query)

    monkeypatch.setattr(semantic, "_dot", spy)
    before = blas_threads()
    query = np.ones(semantic.lsa_dimensions(), dtype=np.float32)
    near = semantic.nearest(query / np.linalg.norm(query), public_only=True, limit=3)
    assert len(near) == 3
    assert seen == [{1}]
    assert blas_threads() == before  # the rest of the process keeps its threads
