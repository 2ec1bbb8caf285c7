"""``manage.py workdays`` answers from the same calendar and refuses bad input clearly."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip()


def test_add_prints_the_due_date():
    assert run("add", "2021-02-19", "4") == "2021-02-26"


def test_count_prints_the_official_total():
    assert run("count", "2021-01-01", "2021-12-31") == "247"


def test_is_explains_a_working_saturday():
    answer = run("is", "2021-02-20")
    assert answer.startswith("2021-02-20 Sat: working (working_weekend:")
    assert "22.02" in answer


def test_is_explains_a_holiday():
    assert run("is", "2021-02-23").startswith("2021-02-23 Tue: day off (holiday: День защитника")


def test_due_prints_the_end_of_the_fourth_working_day():
    assert run("due", "2021-02-19T15:00:00+03:00") == "2021-02-26T23:59:59+03:00"


def test_count_prints_the_official_2027_total():
    assert run("count", "2027-01-01", "2027-12-31") == "247"


def test_years_lists_the_sources_with_the_2027_decree():
    lines = run("years").splitlines()
    assert len(lines) == 8
    assert lines[1].startswith("2021: Постановление Правительства РФ от 10.10.2020 № 1648")
    assert lines[-1].startswith("2027: Постановление Правительства РФ от 17.09.2026 № 1187")
    assert not [line for line in lines if "PROVISIONAL" in line]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2021-02-30", "4"), "invalid date '2021-02-30'"),
        (("add", "2021-02-19", "-1"), "invalid number of working days '-1'"),
        (("add", "2031-02-19", "4"), "no production calendar for 2031; covered: 2020–2027"),
        (("count", "2021-12-31", "2021-01-01"), "reversed"),
        (("due", "2021-02-19T15:00:00", "4"), "no UTC offset"),
    ],
)
def test_bad_input_is_a_command_error_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
