"""Cut the search's slice of navec out of the model that the ``natasha`` wheel carries.

Needs the development extras (``navec`` and ``natasha``, see pyproject.toml); writes
data/news_vectors.npz, to be committed. Run after changing the seed articles or
data/dictionary.json (their lemmas are always kept), then ``kb_reindex`` so that every article's
vector is computed again. See kb.news_vectors for what the file holds and why.
"""

import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from stroydesk.core.lemmas import CYRILLIC_RE
from stroydesk.kb import news_vectors, services, text
from stroydesk.kb.seed import seed_articles

MODEL = "data/emb/navec_news_v1_1B_250K_300d_100q.tar"


def model_path() -> Path:
    """natasha's copy of navec, found without importing natasha (which needs pymorphy2)."""
    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        raise CommandError("natasha is not installed: pip install -e '.[dev]'")
    return Path(next(iter(spec.submodule_search_locations))) / MODEL


def own_lemmas() -> set[str]:
    """Every lemma of the seed articles and of the search dictionary."""
    out: set[str] = set()
    for seed in seed_articles():
        out.update(text.lemmas(f"{seed.title} {seed.summary} {seed.tags} {seed.body}"))
    data = json.loads(services.DICTIONARY_FILE.read_text(encoding="utf-8"))
    for item in data["entries"]:
        out.update(text.lemmas(f"{item['term']} {item['meaning']}"))
    return out


class Command(BaseCommand):
    help = "Write data/news_vectors.npz: navec's vectors of the lemmas search can use."

    def add_arguments(self, parser):
        parser.add_argument("--words", type=int, default=40_000, help="most frequent lemmas")
        parser.add_argument("--dimensions", type=int, default=300, help="principal axes kept")

    def handle(self, *args, words: int, dimensions: int, **options):
        from navec import Navec  # a development extra only: imported where it is used

        model = Navec.load(str(model_path()))
        vocab, counts = model.vocab.words, model.vocab.counts
        total = float(sum(int(c) for c in counts))
        # lemma → [count of all its forms, (count, row) of its most frequent form, own row]
        lemmas: dict[str, list[Any]] = {}
        for row, (word, count) in enumerate(zip(vocab, counts, strict=True)):
            if not CYRILLIC_RE.search(word) or not word.replace("-", "").isalpha():
                continue
            lemma, stop, _known = text.analyse_word(text.normalise_word(word))
            if stop:
                continue
            entry = lemmas.setdefault(lemma, [0, (-1, -1), -1])
            entry[0] += int(count)
            entry[1] = max(entry[1], (int(count), row))
            if word == lemma:
                entry[2] = row
        frequent = sorted(lemmas, key=lambda lemma: (-lemmas[lemma][0], lemma))[:words]
        kept = set(frequent) | (own_lemmas() & lemmas.keys())
        hashes = news_vectors.word_hashes(sorted(kept))
        if len(set(hashes.tolist())) != len(kept):
            raise CommandError("two kept lemmas share a hash")
        by_hash = dict(zip(hashes.tolist(), sorted(kept), strict=True))
        keep = [by_hash[h] for h in sorted(by_hash)]
        rows = np.asarray(
            [lemmas[w][2] if lemmas[w][2] >= 0 else lemmas[w][1][1] for w in keep], dtype=np.int64
        )
        weight = np.asarray([math.log(total / max(lemmas[w][0], 1)) for w in keep])
        indexes = model.pq.indexes[rows]
        codebook = model.pq.codes
        vectors = codebook[np.arange(indexes.shape[1]), indexes].reshape(len(keep), -1)
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        mean = vectors.mean(axis=0)
        if dimensions >= vectors.shape[1]:
            projection = np.eye(vectors.shape[1])
        else:
            _u, _s, vt = np.linalg.svd(vectors - mean, full_matrices=False)
            projection = vt[:dimensions].T
        arrays: dict[str, Any] = {
            "hashes": np.sort(hashes),
            "indexes": indexes.astype(np.uint8),
            "codebook": codebook.astype(np.float32),
            "weight": weight.astype(np.float16),
            "mean": mean.astype(np.float32),
            "projection": projection.astype(np.float32),
        }
        np.savez_compressed(news_vectors.VECTORS_FILE, **arrays)
        news_vectors.news_vectors.cache_clear()
        size = news_vectors.VECTORS_FILE.stat().st_size
        self.stdout.write(
            f"{len(keep)} lemmas ({len(frequent)} most frequent, the rest the knowledge base's) "
            f"× {projection.shape[1]} dimensions → {news_vectors.VECTORS_FILE.name}, "
            f"{size / 1e6:.1f} MB"
        )
