"""Fit the word vectors of kb.semantic on the seed articles and the search dictionary.

Run after changing the seed articles or data/dictionary.json, commit the .npz it writes, then
run ``kb_reindex`` so that every article's vector is computed again in the new space.
"""

import json
import re
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand

from stroydesk.kb import semantic, services, text
from stroydesk.kb.seed import seed_articles

PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*]|\d+\.)\s)|\n(?=#)")


def passages() -> list[list[str]]:
    """Lemmatised passages: each article's head, each of its paragraphs, each dictionary entry."""
    out: list[list[str]] = []
    for seed in seed_articles():
        head = text.lemmas(f"{seed.title} {seed.summary} {seed.tags.replace(',', ' ')}")
        out.append(head)
        for paragraph in PARAGRAPH_BREAK.split(seed.body):
            lemmas = text.lemmas(text.html_to_text(text.render_markdown(paragraph)))
            if len(lemmas) >= 3:
                # The title rides along, so a paragraph's words stay near their subject.
                out.append(lemmas + text.lemmas(seed.title))
    data = json.loads(services.DICTIONARY_FILE.read_text(encoding="utf-8"))
    for item in data["entries"]:
        term = [text.analyse_word(w)[0] for w in text.words(item["term"])]
        out.append(term + text.lemmas(item["meaning"]))
    return [p for p in out if p]


class Command(BaseCommand):
    help = "Fit the knowledge base's word vectors (data/semantic_vectors.npz)."

    def add_arguments(self, parser):
        parser.add_argument("--dimensions", type=int, default=semantic.DIMENSIONS)

    def handle(self, *args, dimensions: int, **options):
        units = passages()
        fitted = semantic.fit(units, dimensions=dimensions)
        arrays: dict[str, Any] = dict(fitted)  # numpy's stub types ** as its bool flag
        np.savez_compressed(semantic.VECTORS_FILE, **arrays)
        semantic.word_vectors.cache_clear()
        self.stdout.write(
            f"{len(fitted['words'])} words × {dimensions} dimensions from {len(units)} passages "
            f"→ {semantic.VECTORS_FILE.name}"
        )
