"""Search of requests: by a registration number or a fragment of it, and by the words of the
subject and text in any case and word form.

Words are compared as lemmas (``stroydesk.core.lemmas``, the same analysis the knowledge base
uses): each request keeps the lemmas of its subject and text in ``Request.search_text``, written
at registration. PostgreSQL answers a word search from a GIN index over
``to_tsvector('simple', search_text)`` (migration 0009); other databases compare the padded
column with LIKE, which is exact but reads the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, F, Func, Q, Value

from stroydesk.cases.models import Request
from stroydesk.core.lemmas import analyse_word, lemmas, words

# «ЕКЦ-2026-000301», «екц 2026 301», «2026-000301», «000301», «301».
_NUMBER_RE = re.compile(
    r"^(?:(?P<prefix>[^\W\d_]+)[\s\-–—]*)?(?:(?P<year>\d{4})[\s\-–—/]+)?(?P<sequence>\d{1,7})$"
)
# A word typed in part («разреш») is looked for as the beginning of a lemma; shorter parts would
# match half the dictionary.
MIN_PREFIX = 3


def search_text_for(*, subject: str, text: str) -> str:
    """What ``Request.search_text`` holds: each lemma of subject and text once, space-padded so
    that a LIKE can match whole lemmas (`` lemma ``) and their beginnings (`` lem``)."""
    unique = dict.fromkeys(lemmas(f"{subject}\n{text}"))
    return f" {' '.join(unique)} " if unique else ""


@dataclass(frozen=True)
class NumberQuery:
    sequence: int
    year: int | None


def parse_number(query: str) -> NumberQuery | None:
    """The number a query means, if it is one: the prefix is optional and any case."""
    found = _NUMBER_RE.match(query.strip())
    if found is None:
        return None
    prefix = found.group("prefix")
    if prefix is not None and prefix.casefold() != settings.REQUEST_NUMBER_PREFIX.casefold():
        return None
    return NumberQuery(
        sequence=int(found.group("sequence")),
        year=int(found.group("year")) if found.group("year") else None,
    )


def word_groups(query: str) -> list[tuple[str, str]]:
    """(lemma, prefix or "") of each content word of a query; the prefix only for words the
    dictionary does not know (a word typed in part, a name, a typo)."""
    groups = []
    for word in dict.fromkeys(words(query)):
        lemma, stop, known = analyse_word(word)
        if stop:
            continue
        groups.append((lemma, "" if known or len(word) < MIN_PREFIX else word))
    return groups


class _LemmaMatch(Func):
    """``to_tsvector('simple', search_text) @@ to_tsquery('simple', query)``: the very expression
    of the GIN index ``request_search_fts``, so that PostgreSQL can use it."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    arg_joiner = ") @@ to_tsquery('simple'::regconfig, "
    output_field = BooleanField()


# Fewer matches than this are fetched first and passed on as ids (see ``words_condition``).
RARE_MATCHES = 1000


def words_condition(groups: list[tuple[str, str]]) -> Q:
    """Every word of the query is in the request (as its lemma, or a lemma it begins)."""
    if connection.vendor == "postgresql":
        terms = [f"({lemma} | {prefix}:*)" if prefix else lemma for lemma, prefix in groups]
        match = Q(_LemmaMatch(F("search_text"), Value(" & ".join(terms))))
        # The words are looked up alone first, in the GIN index: a rare or absent word's ids
        # go on as a short list. Left to the planner, a word absent from its statistics was
        # guessed common, and the newest-first walk over the table read all of it to find
        # nothing (17 s for «эскроу» at a million requests). A common word's lookup reads its
        # whole posting list (~0.2 s for a word in 200,000 requests, measured on a loaded
        # machine); then the plan that stops at one page takes over.
        # The lookup must be the index's: guessing the word common, the planner would rather
        # read the table until it has enough rows, which for an absent word is all of it.
        probe = Request.objects.filter(match).values_list("pk", flat=True)[:RARE_MATCHES]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
            ids = list(probe)
            cursor.execute("SELECT set_config('enable_seqscan', 'on', true)")
        return Q(pk__in=ids) if len(ids) < RARE_MATCHES else match
    condition = Q()
    for lemma, prefix in groups:
        one = Q(search_text__contains=f" {lemma} ")
        if prefix:
            one |= Q(search_text__contains=f" {prefix}")
        condition &= one
    return condition


def number_condition(number: NumberQuery) -> Q:
    condition = Q(sequence=number.sequence)
    if number.year is not None:
        condition &= Q(year=number.year)
    return condition
