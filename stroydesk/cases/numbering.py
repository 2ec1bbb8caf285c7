"""Registration numbers: gap-free within a year, even when many requests arrive at once.

The counter row of the year is incremented by an UPDATE inside the registering transaction. The
row lock it takes makes concurrent registrations queue for the number, and a rollback gives the
number back, so there are neither duplicates nor holes. (A database sequence would be faster
but leaves holes on rollback, which an official register must not have.)
"""

from __future__ import annotations

from typing import cast

from django.db import connection, transaction
from django.db.models import Field

from stroydesk.cases.models import RequestNumberCounter


def next_number(*, year: int) -> int:
    """The next number of the year; must run inside the transaction that uses it."""
    return next_numbers(year=year, count=1)[0]


def next_numbers(*, year: int, count: int) -> range:
    """The next ``count`` numbers of the year in one statement, for a batch registered in one
    transaction. Besides the round trips, it keeps the counter row from being updated once per
    request in a long transaction: on PostgreSQL every update of a row leaves a version that
    the next one must step over until the commit, so a year registered one by one in a single
    transaction (the generator inside a test) slowed down with each number."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the registering transaction")
    if count < 1:
        raise ValueError("count must be at least 1")
    last = _increment(year, count)
    if last is None:
        RequestNumberCounter.objects.bulk_create(
            [RequestNumberCounter(year=year, last=0)], ignore_conflicts=True
        )
        last = _increment(year, count)
    assert last is not None
    return range(last - count + 1, last + 1)


def _increment(year: int, count: int) -> int | None:
    """Add ``count`` to the year's counter and read it in one statement (UPDATE … RETURNING,
    which SQLite ≥ 3.35 and PostgreSQL both have): the ORM would need a second round trip."""
    quote = connection.ops.quote_name
    table = quote(RequestNumberCounter._meta.db_table)
    last, year_column = (
        quote(cast(Field, RequestNumberCounter._meta.get_field(name)).column)
        for name in ("last", "year")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + %s WHERE {year_column} = %s RETURNING {last}",
            [count, year],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])
