"""A malformed data file stops the load with the row at fault, instead of being guessed past."""

from pathlib import Path

import pytest

from stroydesk.workcalendar.calendar import CalendarDataError, load_calendar_file

HEADER = "# source 2021: Постановление (тест)\ndate,kind,note\n"


def load(tmp_path: Path, text: str):
    path = tmp_path / "calendar.csv"
    path.write_text(text, encoding="utf-8")
    return load_calendar_file(path)


def test_a_well_formed_file_loads_with_its_source_and_quoted_notes(tmp_path):
    data = load(tmp_path, HEADER + '2021-02-20,working_weekend,"перенос, на 22.02"\n')
    assert data.years[2021].source == "Постановление (тест)"
    assert data.days[next(iter(data.days))].note == "перенос, на 22.02"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("2021-02-20,holyday,\n", "'holyday' is not a valid DayKind"),
        ("2021-02-30,holiday,\n", "data row 2"),
        ("2021-02-23,holiday,\n2021-02-23,holiday,\n", "2021-02-23 is listed twice"),
        ("2021-02-23,working_weekend,\n", "is a Tuesday: it cannot be working_weekend"),
        ("2021-02-20,transferred_day_off,\n", "is a Saturday: it cannot be transferred_day_off"),
        ("2022-01-03,holiday,\n", "year 2022 has no '# source' line"),
    ],
)
def test_a_bad_row_is_refused_with_its_reason(tmp_path, rows, message):
    with pytest.raises(CalendarDataError, match=message):
        load(tmp_path, HEADER + rows)


def test_a_provisional_year_needs_a_source_line(tmp_path):
    with pytest.raises(CalendarDataError, match="provisional 2022 has no source line"):
        load(tmp_path, "# provisional 2022: no decree\n" + HEADER)


def test_a_wrong_header_is_refused(tmp_path):
    with pytest.raises(CalendarDataError, match="header must be date,kind,note"):
        load(tmp_path, "# source 2021: x\nday,kind,note\n")
