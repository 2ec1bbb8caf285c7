"""Text analysis for knowledge-base search: Markdown rendering and snippets over the shared lemmas.

Word analysis (normalisation, lemmas) lives in ``stroydesk.core.lemmas`` so that requests are
searched with exactly the same analysis; the names are re-exported here for the kb's modules.
"""

from __future__ import annotations

import html
import re

import markdown  # type: ignore[import-untyped]
import nh3

from stroydesk.core.lemmas import (
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
