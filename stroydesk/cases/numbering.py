"""Registration numbers: gap-free within a year, even when many requests arrive at once.

The counter row of the year is incremented by an UPDATE inside the registering transaction. The
row lock it takes makes concurrent registrations queue for the number, and a rollback gives the
number back, so there are neither duplicates nor holes. (A database sequence would be faster
but leaves holes on rollback, which an official register must not have.)
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field

from stroydesk.cases.models import History, Request, RequestNumberCounter
from stroydesk.core.sql import insert_columns, new_row_values


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


def number_text(*, year: int, sequence: int) -> str:
    """The request's number as people read and quote it: ``ЕКЦ-2026-000042``."""
    return f"{settings.REQUEST_NUMBER_PREFIX}-{year}-{sequence:06d}"


def insert_numbered(request: Request, first: History) -> bool:
    """Number a new request, insert it and its first history row in one statement: the year's
    counter, the request and the row are three data-modifying parts of one ``WITH`` (on
    PostgreSQL; three round trips otherwise). The counter's row lock is held as the UPDATE
    alone holds it, so numbers stay gap-free. Sets the keys, the sequence and the number; False
    where the database has no such statement (SQLite): the caller takes the three steps."""
    if connection.vendor != "postgresql":
        return False
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("insert_numbered() must run inside the registering transaction")
    sql, request_fields, history_fields = _numbered_statement()
    params = [
        request.year,
        f"{settings.REQUEST_NUMBER_PREFIX}-{request.year}-",
        *new_row_values(request, request_fields, connection),
        *new_row_values(first, history_fields, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:  # the year's first request: its counter row is made, then again
            RequestNumberCounter.objects.bulk_create(
                [RequestNumberCounter(year=request.year, last=0)], ignore_conflicts=True
            )
            cursor.execute(sql, params)
            row = cursor.fetchone()
    request.pk, request.sequence, request.number, first.pk = row
    request._state.adding = first._state.adding = False
    request._state.db = first._state.db = connection.alias
    first.request = request
    return True


_numbered_sql: dict[str, tuple[str, list[Field], list[Field]]] = {}


def _numbered_statement() -> tuple[str, list[Field], list[Field]]:
    """The statement of ``insert_numbered`` and the fields whose values follow its first two
    parameters (the year, the number's prefix): the request's, then the history row's."""
    compiled = _numbered_sql.get(connection.alias)
    if compiled is not None:
        return compiled
    quote = connection.ops.quote_name

    def column(model: Any, name: str) -> str:
        return quote(cast(Field, model._meta.get_field(name)).column)

    counter, last, year = (
        quote(RequestNumberCounter._meta.db_table),
        column(RequestNumberCounter, "last"),
        column(RequestNumberCounter, "year"),
    )
    own = {"number", "sequence"}
    request_fields = [f for f in insert_columns(Request, connection) if f.name not in own]
    history_fields = [f for f in insert_columns(History, connection) if f.name != "request"]
    # The sequence as text, zero-padded to six digits and never cut (as number_text does).
    padded = f"lpad(n.{last}::text, greatest(6, length(n.{last}::text)), '0')"
    sql = (
        f"WITH n AS (UPDATE {counter} SET {last} = {last} + 1 WHERE {year} = %s RETURNING {last}),"
        f" r AS (INSERT INTO {quote(Request._meta.db_table)}"
        f" ({column(Request, 'number')}, {column(Request, 'sequence')},"
        f" {', '.join(quote(f.column) for f in request_fields)})"
        f" SELECT %s || {padded}, n.{last}, {', '.join(['%s'] * len(request_fields))} FROM n"
        f" RETURNING {column(Request, 'id')}, {column(Request, 'sequence')},"
        f" {column(Request, 'number')}),"
        f" h AS (INSERT INTO {quote(History._meta.db_table)}"
        f" ({column(History, 'request')}, {', '.join(quote(f.column) for f in history_fields)})"
        f" SELECT r.{column(Request, 'id')}, {', '.join(['%s'] * len(history_fields))} FROM r"
        f" RETURNING {column(History, 'id')})"
        f" SELECT r.*, h.{column(History, 'id')} FROM r, h"
    )
    _numbered_sql[connection.alias] = compiled = (sql, request_fields, history_fields)
    return compiled


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
