"""The resettlement list import: a report row by row, and all rows or none."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from stroydesk.relocation import importer, services
from stroydesk.relocation.models import Building, Household

HEADER = (
    "old_address;old_district;old_flat;new_address;new_district;new_flat;head_name;phone;email;"
    "contract_date;keys_date;window_start;window_end;code"
)
ROWS = [
    "Москва, ул. Федина, д. 5;Измайлово;1;Москва, 9-я Парковая, д. 60;Измайлово;101;"
    "Соколова Нина;+79160000001;n@example.ru;01.11.2026;20.11.2026;10.12.2026;31.01.2027;AAAA-BBBB",
    "Москва, ул. Федина, д. 5;Измайлово;2;Москва, 9-я Парковая, д. 60;Измайлово;102;"
    "Кузнецов Андрей;;;02.11.2026;;10.12.2026;31.01.2027;CCCC-DDDD",
]


def _csv(rows: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def test_a_good_cp1251_file_is_stored_whole(db):
    report = importer.households_import(raw=_csv(ROWS).encode("cp1251"), filename="list.csv")
    assert report.ok, report.errors
    assert (report.rows, report.stored) == (2, 2)
    first = Household.objects.get(old_flat="1")
    assert first.head_name == "Соколова Нина"
    assert first.old_building.district == "Измайлово"
    assert first.code_hash == services.code_hash("AAAA-BBBB")
    assert Building.objects.count() == 2


def test_a_good_utf8_file_with_bom_and_russian_headers(db):
    header = (
        "Старый адрес,Район,Квартира,Новый адрес,Район нового дома,Новая квартира,ФИО,Телефон,"
        "E-mail,Дата договора,Дата выдачи ключей,Начало окна переезда,Конец окна переезда,Код"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header.split(","))
    for row in ROWS:
        writer.writerow(row.split(";"))
    raw = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    report = importer.households_import(raw=raw, filename="list.csv")
    assert report.ok, report.errors
    assert Household.objects.count() == 2


def test_xlsx_is_read_too(db):
    book = Workbook()
    sheet = book.active
    for line in [HEADER, *ROWS]:
        sheet.append(line.split(";"))
    buffer = io.BytesIO()
    book.save(buffer)
    report = importer.households_import(raw=buffer.getvalue(), filename="list.xlsx")
    assert report.ok, report.errors
    assert Household.objects.count() == 2


def test_a_cp1251_file_declared_utf8_is_refused_whole(db):
    report = importer.households_import(
        raw=_csv(ROWS).encode("cp1251"), filename="list.csv", encoding="utf-8"
    )
    assert not report.ok
    assert report.errors[0][0] == 0 and "UTF-8" in report.errors[0][1]
    assert not Household.objects.exists() and not Building.objects.exists()


def test_a_utf16_file_is_refused(db):
    report = importer.households_import(raw=_csv(ROWS).encode("utf-16"), filename="list.csv")
    assert [row for row, _m in report.errors] == [0]
    assert not Household.objects.exists()


def test_missing_columns_are_named(db):
    header = HEADER.replace(";window_end", "").replace(";code", "")
    rows = [";".join(r.split(";")[:12]) for r in ROWS]
    report = importer.households_import(raw=_csv(rows, header).encode(), filename="list.csv")
    assert len(report.errors) == 1
    assert "window_end" in report.errors[0][1] and "code" in report.errors[0][1]
    assert not Household.objects.exists()


def test_duplicate_flats_and_bad_rows_are_reported_by_row_and_nothing_is_stored(db):
    bad_date = ROWS[1].replace("02.11.2026", "31.02.2026")
    report = importer.households_import(
        raw=_csv([ROWS[0], ROWS[0], bad_date]).encode(), filename="list.csv"
    )
    rows = {row for row, _m in report.errors}
    assert rows == {3, 4}
    assert any("row 2" in m or "строке 2" in m for _r, m in report.errors)
    assert any("contract_date" in m for _r, m in report.errors)
    assert not Household.objects.exists() and not Building.objects.exists()


def test_a_flat_imported_before_is_a_duplicate(db):
    assert importer.households_import(raw=_csv(ROWS[:1]).encode(), filename="a.csv").ok
    report = importer.households_import(raw=_csv(ROWS).encode(), filename="b.csv")
    assert [row for row, _m in report.errors] == [2]
    assert Household.objects.count() == 1  # the good second row was not stored either


def test_the_command_stores_a_good_file_and_refuses_a_bad_one(db, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(_csv(ROWS).encode("cp1251"))
    out = io.StringIO()
    call_command("relocation_import", str(good), stdout=out)
    assert "2 households stored" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv(ROWS).encode("cp1251"))
    with pytest.raises(CommandError, match="nothing stored"):
        call_command("relocation_import", str(bad), stderr=io.StringIO())
    assert Household.objects.count() == 2
