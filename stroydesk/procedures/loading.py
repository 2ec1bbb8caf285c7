"""Writing a parsed catalogue into the tables: shared by the service and the data migration
(which passes its historical models), so that a fresh database has the catalogue in force."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .catalogue import ProcedureSpec, parse_catalogue

DATA_FILE = Path(__file__).resolve().parent / "data" / "catalogue.json"


def read_catalogue(path: Path = DATA_FILE) -> tuple[str, list[ProcedureSpec]]:
    """Parse and check the file; ``CatalogueError`` names what is wrong."""
    return parse_catalogue(json.loads(path.read_text(encoding="utf-8")))


def spec_fields(spec: ProcedureSpec) -> dict[str, Any]:
    return {
        "title_ru": spec.title_ru,
        "title_en": spec.title_en,
        "authority_code": spec.authority_code,
        "authority_name": spec.authority_name,
        "legal_basis": spec.legal_basis,
        "term": spec.term,
        "unit": spec.unit,
        "term_confirmed": spec.term_confirmed,
        "term_note": spec.term_note,
        "fee_rub": spec.fee_rub,
        "fee_rule": spec.fee_rule,
        "documents": list(spec.documents),
        "depends_on": list(spec.depends_on),
        "applies_when": dict(spec.applies_when),
        "optional_when": spec.optional_when,
        "reason_ru": spec.reason_ru,
        "reason_en": spec.reason_en,
        "duration_from_profile": spec.duration_from_profile,
        "source": spec.source,
        "position": spec.position,
    }


def write_catalogue(
    procedure_model: Any, load_model: Any, version: str, specs: list[ProcedureSpec], by: str
) -> Any:
    """Replace the catalogue in force by these specs (caller holds the transaction)."""
    codes = [s.code for s in specs]
    procedure_model.objects.exclude(code__in=codes).delete()
    for spec in specs:
        procedure_model.objects.update_or_create(code=spec.code, defaults=spec_fields(spec))
    return load_model.objects.create(version=version, loaded_by=by, procedures=len(specs))
