"""``manage.py workdays import``: an XML production calendar is compared, then stored on demand.

The fixture ``fixtures/xmlcalendar_ru_2027.xml`` is written from Постановление № 1187 of
17.09.2026. The calendar as it stood before that decree (2027 provisional, built from ст. 112
alone: 249 working days) comes from the ``before_the_decree`` fixture (conftest.py).
"""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from stroydesk.workcalendar import selectors
from stroydesk.workcalendar.calendar import (
    ARTICLE_112_HOLIDAYS,
    CalendarDataError,
    DayKind,
)
from stroydesk.workcalendar.models import CalendarDay, CalendarYear
from stroydesk.workcalendar.tests.conftest import provisional_2027
from stroydesk.workcalendar.xmlcalendar import diff_year, parse_xmlcalendar

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "xmlcalendar_ru_2027.xml"
DECREE = "Постановление Правительства РФ от 17.09.2026 № 1187"


def run(*args: str) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip()


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "calendar.xml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_fixture_reads_as_the_decree_says():
    imported = parse_xmlcalendar(FIXTURE.read_bytes())
    assert imported.year == 2027
    kinds = {day: special.kind for day, special in imported.days.items()}
    assert kinds[date(2027, 2, 20)] is DayKind.WORKING_WEEKEND
    assert "сокращённый" in imported.days[date(2027, 2, 20)].note
    assert kinds[date(2027, 2, 22)] is DayKind.TRANSFERRED_DAY_OFF
    assert imported.days[date(2027, 11, 5)].note == "Выходной перенесён с сб 02.01"
    assert kinds[date(2027, 12, 31)] is DayKind.TRANSFERRED_DAY_OFF
    assert kinds[date(2027, 1, 7)] is DayKind.HOLIDAY
    assert sorted(d for d, k in kinds.items() if k is DayKind.SHORT_DAY) == [
        date(2027, 4, 30),
        date(2027, 6, 11),
        date(2027, 11, 3),
    ]


def test_the_diff_against_the_provisional_year_names_the_four_days_and_the_totals():
    diff = diff_year(provisional_2027(), parse_xmlcalendar(FIXTURE.read_bytes()))
    changes = {c.day: (c.before and c.before.kind, c.after and c.after.kind) for c in diff.changes}
    assert changes == {
        date(2027, 2, 20): (None, DayKind.WORKING_WEEKEND),
        date(2027, 2, 22): (DayKind.SHORT_DAY, DayKind.TRANSFERRED_DAY_OFF),
        date(2027, 11, 5): (None, DayKind.TRANSFERRED_DAY_OFF),
        date(2027, 12, 31): (DayKind.SHORT_DAY, DayKind.TRANSFERRED_DAY_OFF),
    }
    assert (diff.working_days_before, diff.working_days_after) == (249, 247)


@pytest.mark.django_db
def test_the_shipped_2027_is_the_decree_so_importing_it_changes_nothing():
    answer = run("import", str(FIXTURE))
    assert "no difference" in answer
    assert "Working days in 2027: 247 -> 247" in answer


@pytest.mark.django_db
def test_without_apply_the_difference_is_shown_and_nothing_is_stored(before_the_decree):
    answer = run("import", str(FIXTURE))
    assert "stored: ст. 112 ТК РФ only (PROVISIONAL)" in answer
    assert "+ 2027-02-20 Sat: weekend -> working_weekend" in answer
    assert "~ 2027-02-22 Mon: short_day -> transferred_day_off" in answer
    assert "+ 2027-11-05 Fri: working day -> transferred_day_off" in answer
    assert "~ 2027-12-31 Fri: short_day -> transferred_day_off" in answer
    assert "Working days in 2027: 249 -> 247" in answer
    assert "run again with --apply" in answer
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()
    assert selectors.working_days_between(date(2027, 1, 1), date(2027, 12, 31)) == 249


@pytest.mark.django_db
def test_apply_stores_the_days_confirms_the_year_and_moves_the_deadlines(before_the_decree):
    assert selectors.add_working_days(date(2027, 11, 3), 4) == date(2027, 11, 10)
    answer = run("import", str(FIXTURE), "--apply", "--source", DECREE)
    assert "Applied: 4 day(s) written" in answer
    assert f"2027 confirmed: {DECREE}" in answer
    rows = dict(CalendarDay.objects.values_list("date", "kind"))
    assert rows == {
        date(2027, 2, 20): "working_weekend",
        date(2027, 2, 22): "transferred_day_off",
        date(2027, 11, 5): "transferred_day_off",
        date(2027, 12, 31): "transferred_day_off",
    }
    assert DECREE in CalendarDay.objects.get(date=date(2027, 11, 5)).note
    year = CalendarYear.objects.get(year=2027)
    assert (year.source, year.is_provisional) == (DECREE, False)
    assert selectors.working_days_between(date(2027, 1, 1), date(2027, 12, 31)) == 247
    assert selectors.add_working_days(date(2027, 11, 3), 4) == date(2027, 11, 11)
    assert "PROVISIONAL" not in run("years")
    # Once stored, the same file changes nothing more.
    assert "no difference" in run("import", str(FIXTURE))


@pytest.mark.django_db
def test_apply_on_a_provisional_year_needs_the_act_it_follows(before_the_decree):
    with pytest.raises(CommandError, match="2027 is provisional: name the act"):
        run("import", str(FIXTURE), "--apply")
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_next_year_is_imported_as_a_routine(tmp_path):
    """A year not covered yet: every special day is added and the year becomes covered."""
    days = "\n".join(f'<day d="{m:02d}.{d:02d}" t="1" h="1"/>' for m, d in ARTICLE_112_HOLIDAYS)
    # Synthetic 2028 (ст. 112 only: сб 04.11 moves to пн 06.11), not a published calendar.
    path = write(
        tmp_path,
        f'<calendar year="2028"><holidays><holiday id="1" title="Праздник"/></holidays>'
        f'<days>{days}<day d="11.06" t="1" f="11.04"/></days></calendar>',
    )
    answer = run("import", path)
    assert "2028: stored: not covered" in answer
    assert "Working days in 2028: - -> 249" in answer
    with pytest.raises(selectors.CalendarRangeError):
        selectors.is_working_day(date(2028, 3, 1))
    run("import", path, "--apply", "--source", "ст. 112 ТК РФ (тест)", "--provisional")
    assert CalendarYear.objects.get(year=2028).is_provisional
    assert not selectors.is_working_day(date(2028, 11, 6))
    assert selectors.working_days_between(date(2028, 1, 1), date(2028, 12, 31)) == 249


def calendar_xml(days: str, attributes: str = 'year="2027"') -> str:
    """The fixture with its <days> replaced by ``days`` (plus the holidays every file needs)."""
    text = FIXTURE.read_text(encoding="utf-8")
    head = text[: text.index("<days>") + len("<days>")]
    tail = text[text.index("</days>") :]
    holidays = "".join(
        line for line in text[len(head) : text.index("</days>")].splitlines() if 'h="' in line
    )
    head = head.replace('year="2027" lang="ru" date="2026.09.17" country="ru"', attributes)
    return head + holidays + days + tail


BAD_FILES = [
    ("<calendar/>" + " " * 1_000_000, "larger than 1000000 bytes"),
    ("date,kind,note\n2027-01-01,holiday,\n", "not a well-formed XML calendar"),
    ('<?xml version="1.0"?><calendars year="2027"/>', "root element is <calendars>"),
    (calendar_xml("", attributes='lang="ru"'), "<calendar> has no year attribute"),
    (calendar_xml("", attributes='year="20027"'), "year='20027' is not a year"),
    (calendar_xml("", attributes='year="²⁰²⁷"'), "is not a year"),  # Unicode digits
    (calendar_xml("", attributes='year="2027" country="by"'), "country='by'"),
    (calendar_xml('<day d="02.29" t="1"/>'), "d='02.29' is not a date in 2027"),
    (calendar_xml('<day d="13.01" t="1"/>'), "d='13.01' is not a date in 2027"),
    (calendar_xml('<day d="02.31" t="1"/>'), "d='02.31' is not a date in 2027"),
    (calendar_xml('<day d="2027-02-22" t="1"/>'), "d='2027-02-22' is not MM.DD"),
    (calendar_xml('<day d="02.22" t="4"/>'), "day 02.22: unknown type t='4'"),
    (calendar_xml('<day d="02.22"/>'), "day 02.22: unknown type t=None"),
    (calendar_xml('<day d="02.22" t="1" h="9"/>'), "holiday h='9' is not in <holidays>"),
    (calendar_xml('<day d="02.22" t="1" f="02.30"/>'), "f='02.30' is not a date in 2027"),
    (calendar_xml('<day d="02.22" t="3"/>'), "is a Monday: it cannot be working_weekend"),
    (
        calendar_xml('<day d="02.22" t="1"/><day d="02.22" t="1"/>'),
        "day 02.22 is listed twice",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_bad_file_is_refused_with_its_reason_and_nothing_changes(
    tmp_path, before_the_decree, text, message
):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("import", write(tmp_path, text), "--apply", "--source", DECREE)
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()
    assert selectors.working_days_between(date(2027, 1, 1), date(2027, 12, 31)) == 249


@pytest.mark.django_db
def test_a_file_that_drops_a_public_holiday_is_refused(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace('<day d="01.07" t="1" h="2"/>', "")
    with pytest.raises(CommandError, match=r"07.01 \(Рождество Христово\) is a public holiday"):
        run("import", write(tmp_path, text))


@pytest.mark.django_db
def test_an_entity_expansion_is_refused(tmp_path):
    text = (
        '<?xml version="1.0"?><!DOCTYPE calendar [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><calendar year="&b;"/>'
    )
    with pytest.raises(CommandError, match="not a well-formed XML calendar"):
        run("import", write(tmp_path, text))


@pytest.mark.django_db
def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("import", str(tmp_path / "absent.xml"))


def test_the_parser_refuses_without_django():
    with pytest.raises(CalendarDataError, match=r"upload\.xml: not a well-formed XML"):
        parse_xmlcalendar(b"\x00\x01", name="upload.xml")


@pytest.mark.django_db
def test_a_day_the_file_no_longer_marks_becomes_ordinary_through_a_row(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace('<day d="04.30" t="2"/>', "")
    path = write(tmp_path, text)
    assert "- 2027-04-30 Fri: short_day -> working day" in run("import", path)
    run("import", path, "--apply")  # 2027 is confirmed: no source needed
    row = CalendarDay.objects.get()
    assert (row.date, row.kind) == (date(2027, 4, 30), "working_day")
    assert selectors.special_day(date(2027, 4, 30)).kind is DayKind.WORKING_DAY
    assert not CalendarYear.objects.exists()  # the file's source stays


@pytest.mark.django_db
def test_a_worked_saturday_that_a_row_cannot_undo_is_refused_as_a_whole(tmp_path):
    text = (
        FIXTURE.read_text(encoding="utf-8")
        .replace('<day d="02.20" t="2"/>', "")
        .replace('<day d="02.22" t="1" f="02.20"/>', "")
        .replace("</days>", '<day d="01.11" t="1"/></days>')
    )
    with pytest.raises(CommandError, match="2027-02-20 is a Saturday the data file makes special"):
        run("import", write(tmp_path, text), "--apply")
    assert not CalendarDay.objects.exists()  # 11.01 was written first, then rolled back
    assert selectors.is_working_day(date(2027, 1, 11))
    assert selectors.is_working_day(date(2027, 2, 20))
