"""Import of the resettlement list (CSV or XLSX, UTF-8 or cp1251): every row checked, a report
row by row, and either the whole file stored in one transaction or nothing at all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from stroydesk.relocation.models import Building, Household
from stroydesk.relocation.services import PHONE, code_hash

MAX_BYTES = 5 * 1024 * 1024
ENCODINGS = ("utf-8", "cp1251")

# Column → the header names accepted for it (the first is the one in the template file).
COLUMNS: dict[str, tuple[str, ...]] = {
    "old_address": ("old_address", "старый адрес", "адрес отселяемого дома"),
    "old_district": ("old_district", "район", "район отселяемого дома"),
    "old_flat": ("old_flat", "квартира", "старая квартира"),
    "new_address": ("new_address", "новый адрес", "адрес нового дома"),
    "new_district": ("new_district", "район нового дома"),
    "new_flat": ("new_flat", "новая квартира"),
    "head_name": ("head_name", "фио", "ответственный"),
    "phone": ("phone", "телефон"),
    "email": ("email", "e-mail", "эл. почта"),
    "contract_date": ("contract_date", "дата договора"),
    "keys_date": ("keys_date", "дата выдачи ключей"),
    "window_start": ("window_start", "начало окна переезда"),
    "window_end": ("window_end", "конец окна переезда"),
    "code": ("code", "код"),
}
OPTIONAL = {"phone", "email", "keys_date", "new_district"}


@dataclass
class ImportReport:
    """What the import found: rows read, rows stored, and the errors by row (0: the file)."""

    rows: int = 0
    stored: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(raw: bytes, encoding: str) -> str:
    if b"\x00" in raw:
        raise UnicodeError("NUL")
    choices = ENCODINGS if encoding == "auto" else (encoding,)
    for name in choices:
        try:
            return raw.decode("utf-8-sig" if name == "utf-8" else name)
        except UnicodeDecodeError:
            continue
    raise UnicodeError(encoding)


def _table(raw: bytes, filename: str, encoding: str) -> list[list[Any]]:
    if filename.lower().endswith(".xlsx"):
        sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    text = _decode(raw, encoding)
    # The header names the columns and holds no delimiter of its own: the commonest one wins
    # (Excel saves «CSV» with «;» in a Russian locale, with «,» elsewhere).
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_map(header: list[Any]) -> tuple[dict[str, int], list[str]]:
    names = [_text(h).lower() for h in header]
    found: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[column] = index
                break
    missing = [c for c in COLUMNS if c not in found and c not in OPTIONAL]
    return found, missing


def _row(values: list[Any], columns: dict[str, int]) -> tuple[dict[str, Any], list[str]]:
    get = {c: _text(values[i]) if i < len(values) else "" for c, i in columns.items()}
    raw = {c: values[i] if i < len(values) else None for c, i in columns.items()}
    problems: list[str] = []
    row: dict[str, Any] = dict(get)
    for column in COLUMNS:
        if column not in OPTIONAL and not get.get(column):
            problems.append(_("«%(column)s» is empty.") % {"column": column})
    for column in ("contract_date", "keys_date", "window_start", "window_end"):
        try:
            row[column] = _date(raw.get(column))
        except ValueError:
            problems.append(
                _("«%(column)s»: «%(value)s» is not a date (ДД.ММ.ГГГГ).")
                % {"column": column, "value": get.get(column, "")}
            )
            row[column] = None
    if (
        row.get("window_start")
        and row.get("window_end")
        and row["window_end"] < row["window_start"]
    ):
        problems.append(_("The move window ends before it starts."))
    phone = get.get("phone", "")
    if phone and not PHONE.match(phone):
        problems.append(_("Phone «%(value)s» is not +7XXXXXXXXXX.") % {"value": phone})
    email = get.get("email", "")
    if email:
        try:
            validate_email(email)
        except Exception:
            problems.append(_("E-mail «%(value)s» is not valid.") % {"value": email})
    return row, problems


def households_import(*, raw: bytes, filename: str, encoding: str = "auto") -> ImportReport:
    """Check every row of the file; store all of them in one transaction, or none."""
    report = ImportReport()
    if len(raw) > MAX_BYTES:
        report.errors.append((0, _("The file is larger than 5 MB.")))
        return report
    try:
        table = _table(raw, filename, encoding)
    except UnicodeError:
        report.errors.append(
            (0, _("The file is not in UTF-8 or Windows-1251 (cp1251) encoding. Save it again."))
        )
        return report
    except Exception:  # openpyxl's and csv's many ways of saying "not this format"
        report.errors.append((0, _("The file cannot be read as CSV or XLSX.")))
        return report
    table = [r for r in table if any(_text(v) for v in r)]
    if not table:
        report.errors.append((0, _("The file is empty.")))
        return report
    columns, missing = _header_map(table[0])
    if missing:
        report.errors.append(
            (0, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return report
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, values in enumerate(table[1:], start=2):
        report.rows += 1
        row, problems = _row(values, columns)
        key = (row["old_address"].lower(), row["old_flat"].lower())
        if key in seen:
            problems.append(
                _("Flat %(flat)s of %(address)s is also in row %(row)s.")
                % {"flat": row["old_flat"], "address": row["old_address"], "row": seen[key]}
            )
        else:
            seen[key] = number
        for problem in problems:
            report.errors.append((number, problem))
        rows.append((number, row))
    if not report.errors:
        _already_there(rows, report)
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for _number, row in rows:
                _store(row)
    except IntegrityError:
        report.errors.append((0, _("Some flats were imported meanwhile; nothing was stored.")))
        return report
    report.stored = len(rows)
    return report


def _already_there(rows: list[tuple[int, dict[str, Any]]], report: ImportReport) -> None:
    addresses = {row["old_address"] for _n, row in rows}
    existing = set(
        Household.objects.filter(
            old_building__kind=Building.Kind.OLD, old_building__address__in=addresses
        ).values_list("old_building__address", "old_flat")
    )
    for number, row in rows:
        if (row["old_address"], row["old_flat"]) in existing:
            report.errors.append(
                (number, _("Flat %(flat)s is imported already.") % {"flat": row["old_flat"]})
            )


def _building(kind: str, address: str, district: str) -> Building:
    building, _created = Building.objects.get_or_create(
        kind=kind, address=address, defaults={"district": district}
    )
    return building


def _store(row: dict[str, Any]) -> Household:
    old = _building(Building.Kind.OLD, row["old_address"], row["old_district"])
    new = _building(
        Building.Kind.NEW, row["new_address"], row.get("new_district") or row["old_district"]
    )
    return Household.objects.create(
        old_building=old,
        old_flat=row["old_flat"],
        new_building=new,
        new_flat=row["new_flat"],
        head_name=row["head_name"],
        phone=row.get("phone", ""),
        email=row.get("email", ""),
        contract_signed_on=row["contract_date"],
        keys_handed_on=row.get("keys_date"),
        window_start=row["window_start"],
        window_end=row["window_end"],
        code_hash=code_hash(row["code"]),
    )
