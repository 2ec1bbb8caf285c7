"""Statements of the hot path put together once and run many times.

Registering a request runs a handful of tiny statements (the API key, the topic, the caller, the
inserts); building each through the ORM's query compiler cost more CPU than the database spent
running it (a profile of one registration: a third of its time in ``as_sql`` and
``build_filter``). ``Select`` and ``insert`` keep the ORM's parts that carry meaning — the
model's columns, each field's conversion of values to and from the database — and skip the
compiler: the statement's text is made once per model and database vendor.

No signal is sent (the models written here have no receivers, and the style keeps side effects
out of signals); a model's ``save()`` logic must not be needed where ``insert`` is used.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


@dataclass(frozen=True)
class _Part:
    """One model's columns in a SELECT: where they start, their fields and converters."""

    model: type[Model]
    attnames: list[str]
    converters: list[tuple[int, Any, list[Converter]]]

    @property
    def pk_index(self) -> int:
        pk = self.model._meta.pk
        assert pk is not None
        return self.attnames.index(pk.attname)


def _columns(model: type[Model]) -> list[Field]:
    return list(model._meta.concrete_fields)


def _converters(fields: Sequence[Field], alias: str, connection: Any) -> list:
    found = []
    for i, field in enumerate(fields):
        col = field.get_col(alias)
        chain = connection.ops.get_db_converters(col) + field.get_db_converters(connection)  # type: ignore[attr-defined]
        if chain:
            found.append((i, col, chain))
    return found


class Select:
    """``SELECT`` a model's row (and, joined, the row of one of its foreign keys) by a condition
    written once: ``{field}`` names a column of the model, ``{fk__field}`` one of the joined
    model, ``%s`` a value. ``Select(ApiToken, "{key_hash} = %s", join="user")``.

    The joined row is the related object, cached on the first as the ORM's ``select_related``
    does; ``left=True`` joins it as optional (then the condition may test its columns for NULL).
    The row with the lowest key is given, with ``newest=True`` the one with the highest.
    """

    def __init__(
        self,
        model: type[Model],
        where: str,
        *,
        join: str | None = None,
        left: bool = False,
        newest: bool = False,
    ) -> None:
        self.model, self.where, self.join, self.left = model, where, join, left
        self.newest = newest
        # Per connection object (one a thread): the converters are its operations' methods.
        self._compiled: weakref.WeakKeyDictionary[Any, tuple[str, list[_Part]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def _compile(self, connection: Any) -> tuple[str, list[_Part]]:
        quote = connection.ops.quote_name
        meta = self.model._meta
        fields = _columns(self.model)
        names = {f.name: f"t0.{quote(f.column)}" for f in fields}
        names.update({f.attname: f"t0.{quote(f.column)}" for f in fields})
        select = [f"t0.{quote(f.column)}" for f in fields]
        # Each model's columns with their converters (the ORM applies the same to its rows).
        parts = [
            _Part(self.model, [f.attname for f in fields], _converters(fields, "t0", connection))
        ]
        source = f"{quote(meta.db_table)} t0"
        if self.join:
            fk = meta.get_field(self.join)
            related = fk.related_model
            assert isinstance(related, type) and issubclass(related, Model)
            rel_fields = _columns(related)
            kind = "LEFT OUTER JOIN" if self.left else "INNER JOIN"
            source += (
                f" {kind} {quote(related._meta.db_table)} t1 ON t1."
                f"{quote(related._meta.pk.column)} = t0.{quote(fk.column)}"  # type: ignore[union-attr]
            )
            names.update({f"{self.join}__{f.name}": f"t1.{quote(f.column)}" for f in rel_fields})
            select += [f"t1.{quote(f.column)}" for f in rel_fields]
            parts.append(
                _Part(
                    related,
                    [f.attname for f in rel_fields],
                    _converters(rel_fields, "t1", connection),
                )
            )
        sql = f"SELECT {', '.join(select)} FROM {source} WHERE {self.where.format(**names)}"
        sql += f" ORDER BY t0.{quote(meta.pk.column)}{' DESC' if self.newest else ''}"
        sql += " LIMIT 1"
        return sql, parts

    def first(self, *params: Any) -> Any:
        """The first row (by primary key) as a model instance, or None. ``params`` are the
        values for the ``%s`` in order, as Python values: each is prepared for the database by
        the caller with ``prep`` where the field needs it (datetimes on SQLite)."""
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        compiled = self._compiled.get(connection)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.setdefault(connection, self._compile(connection))
        sql, parts = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        objects: list[Model | None] = []
        start = 0
        for part in parts:
            values = list(row[start : start + len(part.attnames)])
            start += len(part.attnames)
            for i, col, chain in part.converters:
                for convert in chain:
                    values[i] = convert(values[i], col, connection)
            if part is not parts[0] and values[part.pk_index] is None:  # an optional join: none
                objects.append(None)
                continue
            objects.append(part.model.from_db(alias, part.attnames, values))
        first = objects[0]
        if self.join:
            fk: Any = self.model._meta.get_field(self.join)
            fk.set_cached_value(first, objects[1])
        return first


def prep(model: type[Model], name: str, value: Any) -> Any:
    """A value as the database takes it for the model's field (for ``Select.first``)."""
    connection = connections[router.db_for_read(model)]
    return model._meta.get_field(name).get_db_prep_value(value, connection)  # type: ignore[union-attr]


_inserts: dict[tuple[type[Model], str], tuple[str, str, list[Field], bool]] = {}

# Rows per INSERT of ``insert_many``: SQLite takes at most 32,766 values in one statement.
_BATCH_ROWS = 500


def _insert_statement(model: type[Model], connection: Any) -> tuple[str, str, list[Field], bool]:
    """The statement's head (``INSERT INTO … (…) VALUES``), one row's placeholders, the fields
    and whether the database returns the new keys."""
    key = (model, connection.vendor)
    compiled = _inserts.get(key)
    if compiled is None:
        quote = connection.ops.quote_name
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        head = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            "VALUES "
        )
        row = f"({', '.join(['%s'] * len(fields))})"
        returning = bool(connection.features.can_return_columns_from_insert)
        compiled = _inserts.setdefault(key, (head, row, fields, returning))
    return compiled


def new_row_values(obj: Model, fields: Sequence[Field], connection: Any) -> list[Any]:
    """The values of a new row for ``fields`` of ``obj``, as ``save()`` gives them to the
    database: ``auto_now_add`` and defaults applied, a related object saved after it was
    assigned giving its key now, and an unsaved one refused."""
    prepare: Any = obj._prepare_related_fields_for_save  # type: ignore[attr-defined]
    if len(fields) == len(insert_columns(type(obj), connection)):
        prepare(operation_name="insert")
    else:
        # Only the relations among them: Django tests each of the model's fields for membership
        # in the list given, which with whole field lists cost a tenth of a registration.
        relations = [f for f in fields if f.is_relation]
        if relations:
            prepare(operation_name="insert", fields=relations)
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def insert_columns(model: type[Model], connection: Any) -> list[Field]:
    """The fields an INSERT of a new ``model`` row writes (all but the key), in column order."""
    return _insert_statement(model, connection)[2]


def insert(obj: M) -> M:
    """``INSERT`` a new row for ``obj`` (its key made by the database) and set its primary key;
    ``auto_now_add`` and defaults apply as in ``save()``. One statement, compiled once per model
    and database vendor."""
    insert_many([obj])
    return obj


def insert_many(objs: Sequence[M]) -> Sequence[M]:
    """``insert`` for many rows of one model: one statement per 500 rows, keys set in order."""
    if not objs:
        return objs
    model = type(objs[0])
    if any(obj.pk is not None for obj in objs):
        raise ValueError("insert() makes new rows: the database gives the key")
    alias = router.db_for_write(model)
    connection = connections[alias]
    head, placeholders, fields, returning = _insert_statement(model, connection)
    pk = model._meta.pk
    assert pk is not None
    tail = f" RETURNING {connection.ops.quote_name(pk.column)}" if returning else ""
    with connection.cursor() as cursor:
        for start in range(0, len(objs), _BATCH_ROWS):
            chunk = objs[start : start + _BATCH_ROWS]
            params = [value for obj in chunk for value in new_row_values(obj, fields, connection)]
            if returning:
                cursor.execute(head + ", ".join([placeholders] * len(chunk)) + tail, params)
                keys = [row[0] for row in cursor.fetchall()]
            else:  # one row at a time, each reading its own key back
                keys = []
                width = len(fields)
                for i in range(len(chunk)):
                    cursor.execute(head + placeholders, params[i * width : (i + 1) * width])
                    keys.append(
                        connection.ops.last_insert_id(cursor, model._meta.db_table, pk.column)
                    )
            for obj, key in zip(chunk, keys, strict=True):
                obj.pk = key
                obj._state.adding = False
                obj._state.db = alias
    return objs


def update_many(
    model: type[Model],
    match: Sequence[str],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    increment: str | None = None,
) -> int:
    """``UPDATE`` many rows of one model, each with its own values, in one statement per 500
    rows (``UPDATE … FROM (VALUES …)``); the rows changed.

    Each row gives the values of the ``match`` columns (the row is changed only where all of
    them are equal: the key, and for a compare-and-set the values as read) and then those of
    ``fields``; ``increment`` names a column raised by one in every row changed. A statement
    per row costs the database its planning and executor start each time (with a dozen
    indexes on the table, several times the row's own write): a batch pays it once.
    """
    if not rows:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    columns: list[Field] = []
    for name in (*match, *fields):
        field = meta.pk if name == "pk" else meta.get_field(name)
        assert isinstance(field, Field) and field.concrete and field.column
        columns.append(field)
    names = [quote(str(f.column)) for f in columns]
    table = quote(meta.db_table)
    # VALUES columns are column1, column2… on both databases; PostgreSQL types them from the
    # first row, so it names the types there (a column of NULLs would be text otherwise).
    if connection.vendor == "postgresql":
        first = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in columns)
    else:
        first = ", ".join(["%s"] * len(columns))
    other = f"({', '.join(['%s'] * len(columns))})"
    assignments = [
        f"{name} = v.column{len(match) + i + 1}" for i, name in enumerate(names[len(match) :])
    ]
    if increment is not None:
        column = quote(str(meta.get_field(increment).column))  # type: ignore[union-attr]
        assignments.insert(0, f"{column} = {table}.{column} + 1")
    where = " AND ".join(
        f"{table}.{name} = v.column{i + 1}" for i, name in enumerate(names[: len(match)])
    )
    changed = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _BATCH_ROWS):
            chunk = rows[start : start + _BATCH_ROWS]
            values = ", ".join([f"({first})", *[other] * (len(chunk) - 1)])
            params = []
            for row in chunk:
                assert len(row) == len(columns)
                for field, value in zip(columns, row, strict=True):
                    if hasattr(value, "prepare_database_save"):  # a related object: its key
                        value = value.prepare_database_save(field)
                    params.append(field.get_db_prep_save(value, connection))
            cursor.execute(
                f"UPDATE {table} SET {', '.join(assignments)} FROM (VALUES {values}) AS v "
                f"WHERE {where}",
                params,
            )
            changed += cursor.rowcount
    return changed
