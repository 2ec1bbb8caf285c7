"""Text analysis for knowledge-base search: Markdown rendering and snippets over the shared lemmas.

Word analysis (normalisation, lemmas) lives in ``stroydesk.core.lemmas`` so that requests are
searched with exactly the same analysis; the names are re-exported here for the kb's modules.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown  # type: ignore[import-untyped]
import nh3

from stroydesk.core.lemmas import (
    MAX_TOKEN_LEN,
    WORD_RE,
    analyse_word,
    form_lemma_pairs,
    lemma_text,
    lemmas,
    normalise_word,
    token_lemma,
    words,
)

__all__ = [
    "WORD_RE",
    "analyse_word",
    "form_lemma_pairs",
    "highlight",
    "html_to_text",
    "lemma_text",
    "lemmas",
    "normalise_word",
    "render_markdown",
    "snippet",
    "token_lemma",
    "words",
]


# --- Markdown ---------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "dl",
    "dt",
    "dd",
}


def render_markdown(source: str) -> str:
    """Markdown to HTML that is safe to show: scripts, handlers and foreign schemes removed."""
    raw = markdown.markdown(source, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(fragment: str) -> str:
    """Plain text of sanitised HTML, block elements separated by spaces."""
    spaced = re.sub(r"</(p|li|h[2-4]|tr|td|th|dd|dt|blockquote|pre)>", r" \g<0>", fragment)
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(spaced, tags=set()))).strip()


# --- Snippets ---------------------------------------------------------------------------------


# (start, end, is a wanted lemma) of each word of a text; tuples, as texts run to thousands.
_Token = tuple[int, int, bool]


def _tokens(text: str, wanted: frozenset[str]) -> list[_Token]:
    return [
        (m.start(), m.end(), token_lemma(m.group())[0] in wanted) for m in WORD_RE.finditer(text)
    ]


def _mark(text: str, tokens: list[_Token], start: int, end: int) -> str:
    parts, pos = [], start
    for t_start, t_end, hit in tokens:
        if hit and start <= t_start and t_end <= end:
            parts.append(html.escape(text[pos:t_start]))
            parts.append(f"<mark>{html.escape(text[t_start:t_end])}</mark>")
            pos = t_end
    parts.append(html.escape(text[pos:end]))
    return "".join(parts)


def highlight(text: str, wanted: frozenset[str]) -> str:
    """The whole text HTML-escaped, with the words whose lemma is wanted in <mark>."""
    return _mark(text, _tokens(text, wanted), 0, len(text))


def snippet(text: str, wanted: frozenset[str], *, words_around: int = 30) -> str:
    """The passage of about ``words_around`` words with the most wanted lemmas, escaped and marked.

    The text is escaped first and only then are the <mark> tags added, so article text can never
    inject markup through a snippet.
    """
    tokens = _tokens(text, wanted)
    if not tokens:
        return ""
    hits_prefix = [0]
    for _start, _end, hit in tokens:
        hits_prefix.append(hits_prefix[-1] + hit)
    best, best_score = 0, 0
    for i in range(len(tokens)):
        score = hits_prefix[min(len(tokens), i + words_around)] - hits_prefix[i]
        if score > best_score:
            best, best_score = i, score
    if best_score > 0:
        # Start a little before the first hit so the passage reads as a sentence.
        first_hit = next(k for k in range(best, len(tokens)) if tokens[k][2])
        best = max(0, first_hit - 5)
    last = min(len(tokens), best + words_around) - 1
    start, end = tokens[best][0], tokens[last][1]
    body = _mark(text, tokens, start, end)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text.rstrip()) else "")


# --- Transliteration --------------------------------------------------------------------------

# Latin spellings of Russian letters as people type them without a Cyrillic keyboard
# («gpzu srok vydachi», «razreshenie na stroitelstvo»), longest first. Where a spelling stands
# for two letters (sch: щ or сч; ts: ц or тс) every reading is tried and the caller keeps the one
# the articles know; y and e are read by their neighbours (see _reading).
_TRANSLIT_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("shch", ("щ",)),
    ("sch", ("щ", "сч")),
    ("iya", ("ия",)),
    ("iye", ("ие",)),
    ("iyu", ("ию",)),
    ("zh", ("ж",)),
    ("kh", ("х",)),
    ("ts", ("ц", "тс")),
    ("tz", ("ц",)),
    ("ch", ("ч",)),
    ("sh", ("ш",)),
    ("yu", ("ю",)),
    ("ya", ("я",)),
    ("yo", ("е",)),
    ("ye", ("е",)),
    ("ju", ("ю",)),
    ("ja", ("я",)),
    ("a", ("а",)),
    ("b", ("б",)),
    ("c", ("ц", "к")),
    ("d", ("д",)),
    ("e", ("е",)),
    ("f", ("ф",)),
    ("g", ("г",)),
    ("h", ("х",)),
    ("i", ("и",)),
    ("j", ("й",)),
    ("k", ("к",)),
    ("l", ("л",)),
    ("m", ("м",)),
    ("n", ("н",)),
    ("o", ("о",)),
    ("p", ("п",)),
    ("q", ("к",)),
    ("r", ("р",)),
    ("s", ("с",)),
    ("t", ("т",)),
    ("u", ("у",)),
    ("v", ("в",)),
    ("w", ("в",)),
    ("x", ("кс",)),
    ("y", ("ы",)),
    ("z", ("з",)),
]
MAX_TRANSLIT_READINGS = 8
LATIN_WORD_RE = re.compile(r"^[a-z]+$")
_LATIN_VOWELS = "aeiouy"


def is_latin_word(word: str) -> bool:
    return LATIN_WORD_RE.match(word) is not None


def _reading(word: str, i: int, latin: str, options: tuple[str, ...]) -> tuple[str, ...]:
    """The readings of one spelling at position i, by its neighbours."""
    before = word[i - 1] if i > 0 else ""
    after_vowel = before != "" and before in _LATIN_VOWELS
    if latin == "e" and i == 0:
        return ("э", "е")  # eskrou → эскроу, ekspertiza → экспертиза
    if latin == "y":
        # After a vowel it is «й» (stroyka, dolgostroy), after a consonant «ы» (vydachi).
        return ("й",) if after_vowel else ("ы",)
    if latin == "ye" and before and not after_vowel:
        return ("ые", "ье", "е")  # obmanutye, zhilye
    return options


@lru_cache(maxsize=20_000)
def transliterations(word: str) -> tuple[str, ...]:
    """Cyrillic readings of a Latin word, the most usual first; () for anything else.

    Transliteration drops the soft sign (dolshchik, noch): typo correction brings long words
    back, and short words also get a reading with «ь» at the end.
    """
    if not is_latin_word(word) or len(word) > MAX_TOKEN_LEN:
        return ()
    readings = [""]
    i = 0
    while i < len(word):
        for latin, options in _TRANSLIT_RULES:
            if word.startswith(latin, i):
                options = _reading(word, i, latin, options)
                readings = [r + o for r in readings for o in options][:MAX_TRANSLIT_READINGS]
                i += len(latin)
                break
        else:  # pragma: no cover - the rules cover every Latin letter
            i += 1
    if len(word) < 6 and word[-1] not in _LATIN_VOWELS:
        readings += [r + "ь" for r in readings]
    return tuple(readings[:MAX_TRANSLIT_READINGS])
