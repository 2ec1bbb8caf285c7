"""Russian lemmas for routing: pymorphy3, with the analyser the knowledge base uses too
(``core.lemmas``: one per process), and a cache per word form.

The knowledge base has a richer analysis (``kb.text``), but kb sits on routing's own layer and
may not be imported; this is the small part routing needs. Words are lower-cased, ё → е, and
letters of the other script that look alike are brought to the word's own (a Latin «c» in
«cтройка»). Unknown short words (ГПЗУ, ОАТИ, ИЖС) stay as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stroydesk.core.lemmas import morph_analyzer

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
CYRILLIC_RE = re.compile(r"[а-я]")
LATIN_RE = re.compile(r"[a-z]")
LATIN_TO_CYRILLIC = str.maketrans("aeopcxykmthb", "аеорсхукмтнв")
STOP_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO"})
MAX_TOKEN_LEN = 40


def normalise(text: str) -> str:
    """Lower case, ё → е: what character n-grams are taken from."""
    return text.lower().replace("ё", "е")


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The lemma of one normalised word form; "" for a word that carries no subject."""
    word = word[:MAX_TOKEN_LEN]
    if CYRILLIC_RE.search(word) and LATIN_RE.search(word):
        word = word.translate(LATIN_TO_CYRILLIC)
    if not CYRILLIC_RE.search(word):
        return word if len(word) > 1 else ""
    parse = morph_analyzer().parse(word)[0]
    if parse.tag.POS in STOP_POS:
        return ""
    if len(word) <= 5 and not morph_analyzer().word_is_known(word):
        return word
    return parse.normal_form.replace("ё", "е")


def lemmas(text: str) -> list[str]:
    """Lemmas of the content words of a text, in order."""
    out = []
    for match in WORD_RE.finditer(normalise(text)):
        found = lemma(match.group())
        if found:
            out.append(found)
    return out
