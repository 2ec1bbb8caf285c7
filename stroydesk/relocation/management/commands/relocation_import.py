"""Import a resettlement list from the command line: the same checks and report as the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stroydesk.relocation import importer


class Command(BaseCommand):
    help = "Import households from a CSV or XLSX resettlement list (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--encoding", choices=["auto", *importer.ENCODINGS], default="auto")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        report = importer.households_import(
            raw=raw, filename=path.name, encoding=options["encoding"]
        )
        for row, problem in report.errors:
            self.stderr.write(f"{'file' if row == 0 else f'row {row}'}: {problem}")
        if not report.ok:
            raise CommandError(f"nothing stored: {len(report.errors)} problem(s)")
        self.stdout.write(f"{report.stored} households stored")
