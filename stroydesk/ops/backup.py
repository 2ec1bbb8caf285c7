"""Consistent backups of the whole installation, and their restore into an empty database.

A backup is a folder: the database (``pg_dump`` in its custom format on PostgreSQL — one
snapshot transaction, so consistent while the system runs; SQLite's online backup API, which
copies a consistent page image while writers wait), every file of the default storage (local
disk or S3 alike, read through the storage API), and a manifest with each table's row count and
each file's SHA-256, so a restore can prove it brought everything back.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connection

MANIFEST = "manifest.json"
FILES = "files.tar"


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a restore writes: a database (by URL, default: this installation's) and a storage."""

    database_url: str
    storage: Storage


def _walk(storage: Storage, folder: str = "") -> list[str]:
    folders, files = storage.listdir(folder)
    names = [f"{folder}{name}" for name in files]
    for sub in folders:
        names += _walk(storage, f"{folder}{sub}/")
    return names


def stored_files(storage: Storage) -> list[str]:
    """Every file name in the storage (none when its root does not exist yet)."""
    try:
        return sorted(_walk(storage))
    except FileNotFoundError:
        return []


def table_counts_of(url: str) -> dict[str, int]:
    """Rows per table of the database at ``url`` (Django's tables and ours alike)."""
    config = dj_database_url.parse(url)
    if config["ENGINE"].endswith("sqlite3"):
        with sqlite3.connect(config["NAME"]) as db:
            tables = [
                row[0]
                for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            return {
                t: _scalar(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()) for t in tables
            }
    import psycopg

    with psycopg.connect(_libpq_url(url)) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY tablename"
            )
        ]
        return {t: _scalar(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()) for t in tables}


def _scalar(row: tuple[Any, ...] | None) -> Any:
    assert row is not None  # an aggregate always answers one row
    return row[0]


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def current_database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{connection.settings_dict['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return (
        f"postgres://{auth}{db.get('HOST') or 'localhost'}{port}/{connection.settings_dict['NAME']}"
    )


def backup_create(*, output: Path) -> Path:
    """Write a backup folder under ``output``; return its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = output / f"stroydesk-backup-{stamp}"
    folder.mkdir(parents=True)
    url = current_database_url()
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    if engine == "sqlite":
        connection.close()
        source = sqlite3.connect(dj_database_url.parse(url)["NAME"])
        with sqlite3.connect(folder / "database.sqlite3") as copy:
            source.backup(copy)
        source.close()
    else:
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-acl",
                f"--file={folder / 'database.dump'}",
                _libpq_url(url),
            ]
        )
    files = {}
    with tarfile.open(folder / FILES, "w") as tar:
        for name in stored_files(default_storage):
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
            files[name] = hashlib.sha256(data).hexdigest()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, fileobj=ContentFile(data))
    manifest: dict[str, Any] = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "engine": engine,
        "tables": table_counts_of(url),
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return folder


def backup_restore(*, source: Path, target: Target) -> dict[str, Any]:
    """Restore the backup at ``source`` into the target's EMPTY database and storage, then check
    every table's row count and every file's checksum against the manifest."""
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{source} is not a backup: {MANIFEST} is missing")
    manifest = json.loads(manifest_path.read_text())
    url = target.database_url
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    if engine != manifest["engine"]:
        raise BackupError(f"the backup is of {manifest['engine']}, the target is {engine}")
    if any(table_counts_of(url).values()) if _database_exists(url) else False:
        raise BackupError("the target database is not empty; restore needs an empty one")
    clashing = [name for name in manifest["files"] if target.storage.exists(name)]
    if clashing:
        raise BackupError(f"the target storage already has {clashing[0]}")
    if engine == "sqlite":
        name = dj_database_url.parse(url)["NAME"]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(name + suffix):
                os.remove(name + suffix)
        shutil.copyfile(source / "database.sqlite3", name)
    else:
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                f"--dbname={_libpq_url(url)}",
                str(source / "database.dump"),
            ]
        )
    with tarfile.open(source / FILES) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            if handle is None:
                continue
            data = handle.read()
            if hashlib.sha256(data).hexdigest() != manifest["files"].get(member.name):
                raise BackupError(f"{member.name} does not match its checksum in the manifest")
            saved = target.storage.save(member.name, ContentFile(data))
            if saved != member.name:
                raise BackupError(f"{member.name} was stored as {saved}")
    counts = table_counts_of(url)
    differing = {
        table: (rows, counts.get(table))
        for table, rows in manifest["tables"].items()
        if counts.get(table) != rows
    }
    if differing:
        raise BackupError(f"restored tables differ from the backup: {differing}")
    return {"tables": len(counts), "rows": sum(counts.values()), "files": len(manifest["files"])}


def _database_exists(url: str) -> bool:
    if url.startswith("sqlite"):
        return os.path.exists(dj_database_url.parse(url)["NAME"])
    return True


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed: {exc}") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[:2000]}") from exc
