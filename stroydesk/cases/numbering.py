"""Registration numbers: gap-free within a year, even when many requests arrive at once.

The counter row of the year is incremented by an UPDATE inside the registering transaction. The
row lock it takes makes concurrent registrations queue for the number, and a rollback gives the
number back, so there are neither duplicates nor holes. (A database sequence would be faster
but leaves holes on rollback, which an official register must not have.)
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from stroydesk.cases.models import RequestNumberCounter


def next_number(*, year: int) -> int:
    """The next number of the year; must run inside the transaction that uses it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the registering transaction")
    counter = RequestNumberCounter.objects.filter(year=year)
    if counter.update(last=F("last") + 1) == 0:
        RequestNumberCounter.objects.bulk_create(
            [RequestNumberCounter(year=year, last=0)], ignore_conflicts=True
        )
        counter.update(last=F("last") + 1)
    return counter.values_list("last", flat=True).get()
