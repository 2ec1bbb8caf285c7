"""Word analysis shared by every search: normalisation and lemmas (pymorphy3, Russian; a light
stemmer for English).

Pure functions without database access, so documents and queries pass through exactly the same
analysis on every backend. One ``MorphAnalyzer`` per process; lemmas are cached per word form.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
CYRILLIC_RE = re.compile(r"[а-яё]")
LATIN_RE = re.compile(r"[a-z]")

# Latin letters that look like Cyrillic ones (and back): people paste «cтроительство» with a
# Latin "c", keyboards autocorrect, and OCR mixes them; both scripts must land on one word.
LATIN_TO_CYRILLIC = str.maketrans("aeopcxykmthb", "аеорсхукмтнв")
CYRILLIC_TO_LATIN = str.maketrans("аеорсхукмтнв", "aeopcxykmthb")

# Parts of speech that carry no subject: prepositions, conjunctions, particles, interjections,
# pronouns. pymorphy3's tags decide, so every form of a pronoun is dropped, not a list of forms.
STOP_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO"})
RU_STOP_LEMMAS = frozenset(
    {
        "быть",
        "мочь",
        "как",
        "какой",
        "который",
        "этот",
        "тот",
        "такой",
        "весь",
        "свой",
        "мой",
        "наш",
        "ваш",
        "где",
        "когда",
        "куда",
        "зачем",
        "почему",
        "сколько",
        "нужно",
        "надо",
        "можно",
        "ли",
        "если",
        "также",
        "т",
        "д",
        "др",
        "пр",
        "см",
        "ст",
    }
)
_EN_STOP_WORDS = """a an the to of in on at for by with and or not is are be been was were do does
did how what when where which who why can could should would i my me we our you your it its this
that from as into about if there their they them get"""
EN_STOP = frozenset(_EN_STOP_WORDS.split())

MAX_TOKEN_LEN = 40


@lru_cache(maxsize=1)
def morph_analyzer() -> Any:
    """The process's one pymorphy3 analyser, shared by the knowledge base and routing: its
    dictionaries take ~18 MB resident, which a second instance would hold again."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def normalise_word(word: str) -> str:
    """Lower-case, ё → е, and look-alike letters of the other script brought to the word's own."""
    word = word.lower().replace("ё", "е")
    has_cyr = CYRILLIC_RE.search(word) is not None
    has_lat = LATIN_RE.search(word) is not None
    if has_cyr and has_lat:
        cyr = len(CYRILLIC_RE.findall(word))
        lat = len(LATIN_RE.findall(word))
        table = LATIN_TO_CYRILLIC if cyr >= lat else CYRILLIC_TO_LATIN
        word = word.translate(table)
    return word


def stem_english(word: str) -> str:
    """A light suffix stripper for English: enough for permits/permitted/permission to meet."""
    w = word
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith(("ed", "sses", "xes", "ches", "shes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "lsz" and w[-1].isalpha():
        w = w[:-1]
    return w


@lru_cache(maxsize=200_000)
def analyse_word(word: str) -> tuple[str, bool, bool]:
    """(lemma, is a stop word, is a dictionary word) of one normalised word form."""
    if CYRILLIC_RE.search(word):
        morph = morph_analyzer()
        parses = morph.parse(word)
        # The lemma with the most probability over all parses, not the first parse's:
        # «частного» is 2/3 the adjective «частный», 1/3 the noun «частное».
        weight: dict[str, float] = {}
        for p in parses:
            weight[p.normal_form] = weight.get(p.normal_form, 0.0) + p.score
        best = max(weight, key=lambda form: weight[form])
        parse = next(p for p in parses if p.normal_form == best)
        known = morph.word_is_known(word)
        pos = parse.tag.POS
        if known:
            lemma = parse.normal_form.replace("ё", "е")
        elif len(word) <= 5:
            # Abbreviations (ГПЗУ, ОАТИ, ИЖС) are unknown to the dictionary; guessing a lemma
            # for them only invents verbs, so they stay as they are.
            lemma = word
        else:
            lemma = parse.normal_form.replace("ё", "е")
        stop = (known and pos in STOP_POS) or lemma in RU_STOP_LEMMAS
        return lemma, stop, known
    if word.isdigit():
        return word, False, True
    return stem_english(word), word in EN_STOP, True


@lru_cache(maxsize=200_000)
def token_lemma(raw: str) -> tuple[str, bool]:
    """(lemma, is a stop word) of a token as it appears in text, before normalisation."""
    lemma, stop, _known = analyse_word(normalise_word(raw)[:MAX_TOKEN_LEN])
    return lemma, stop


def words(text: str) -> list[str]:
    """The normalised word forms of a text, in order (over-long tokens cut)."""
    return [normalise_word(m.group())[:MAX_TOKEN_LEN] for m in WORD_RE.finditer(text)]


def lemmas(text: str) -> list[str]:
    """Lemmas of the content words of a text, in order: what documents are indexed by."""
    out = []
    for m in WORD_RE.finditer(text):
        lemma, stop = token_lemma(m.group())
        if not stop:
            out.append(lemma)
    return out


def lemma_text(text: str) -> str:
    return " ".join(lemmas(text))


def form_lemma_pairs(text: str) -> set[tuple[str, str]]:
    """(form, lemma) of each content word of a text: the vocabulary for typo correction."""
    pairs = set()
    for w in words(text):
        lemma, stop, _known = analyse_word(w)
        if not stop and len(w) >= 3:
            pairs.add((w, lemma[:64]))
    return pairs
