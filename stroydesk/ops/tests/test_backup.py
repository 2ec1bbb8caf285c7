"""A backup of the demo data restores into an empty database with every row and file intact."""

from __future__ import annotations

import io
import os
import sqlite3

import psycopg
import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.db import connection

from stroydesk.accounts.models import User
from stroydesk.cases.intake import Contact, IncomingFile, Intake, register_request
from stroydesk.ops.backup import (
    BackupError,
    Target,
    backup_create,
    backup_restore,
    current_database_url,
    stored_files,
)

PDF = b"%PDF-1.4\n" + b"x" * 2000


def _table_digests(url: str) -> dict[str, object]:
    """Every table's rows, order-independent: all rows (SQLite) or their md5 (PostgreSQL)."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            names = [
                r[0]
                for r in db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            return {
                t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"').fetchall())) for t in names
            }
    with psycopg.connect("postgresql://" + url.split("://", 1)[1]) as db:
        names = [
            r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        ]
        return {
            t: db.execute(
                f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
                f' FROM "{t}" x'
            ).fetchone()
            for t in names
        }


@pytest.fixture
def empty_target(tmp_path):
    """An empty database of the same engine as the test database, and an empty folder."""
    storage = FileSystemStorage(location=tmp_path / "restored-media")
    if connection.vendor == "sqlite":
        yield Target(database_url=f"sqlite:///{tmp_path / 'restored.sqlite3'}", storage=storage)
        return
    name = f"stroydesk_restore_{os.getpid()}"
    admin_url = "postgresql://" + current_database_url().split("://", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    yield Target(
        database_url=current_database_url().rsplit("/", 1)[0] + f"/{name}", storage=storage
    )
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_demo_data_round_trips_through_backup_and_restore(tmp_path, settings, empty_target):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_directory", verbosity=0)
    call_command("demo_data", requests=15, verbosity=0)
    operator = User.objects.get(username="operator")
    register_request(
        intake=Intake(
            channel="phone",
            subject="Документы к разрешению",
            text="Прилагаю скан.",
            files=[IncomingFile(name="скан.pdf", size=len(PDF), file=io.BytesIO(PDF))],
        ),
        by=operator,
        contact=Contact(full_name="Сидоров Пётр", phone="+74951112233"),
    )
    before = _table_digests(current_database_url())
    assert before["cases_request"]

    folder = backup_create(output=tmp_path / "backups")
    result = backup_restore(source=folder, target=empty_target)

    assert _table_digests(empty_target.database_url) == before
    originals = stored_files(default_storage)
    assert result["files"] == len(originals) >= 1
    assert stored_files(empty_target.storage) == originals
    contents = set()
    for name in originals:
        with empty_target.storage.open(name, "rb") as restored:
            contents.add(restored.read())
    assert PDF in contents


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_directory", verbosity=0)
    folder = backup_create(output=tmp_path / "backups")
    target = Target(database_url=current_database_url(), storage=FileSystemStorage(tmp_path / "m"))
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(source=folder, target=target)


def test_restore_refuses_a_folder_that_is_no_backup(tmp_path):
    target = Target(
        database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", storage=FileSystemStorage(tmp_path)
    )
    with pytest.raises(BackupError, match=r"manifest\.json is missing"):
        backup_restore(source=tmp_path, target=target)
