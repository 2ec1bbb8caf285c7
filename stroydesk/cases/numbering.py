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
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the registering transaction")
    number = _increment(year)
    if number is None:
        RequestNumberCounter.objects.bulk_create(
            [RequestNumberCounter(year=year, last=0)], ignore_conflicts=True
        )
        number = _increment(year)
    assert number is not None
    return number


def _increment(year: int) -> int | None:
    """Increment the year's counter and read it in one statement (UPDATE … RETURNING, which
    SQLite ≥ 3.35 and PostgreSQL both have): the ORM would need a second round trip."""
    quote = connection.ops.quote_name
    table = quote(RequestNumberCounter._meta.db_table)
    last, year_column = (
        quote(cast(Field, RequestNumberCounter._meta.get_field(name)).column)
        for name in ("last", "year")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1 WHERE {year_column} = %s RETURNING {last}",
            [year],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])
