"""From October 1 (Moscow), administrators are told when next year is missing or provisional:
by a system check and on the admin index. The year in force is watched all year round."""

from datetime import date, datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import checks
from django.utils import translation

from stroydesk.accounts.models import User
from stroydesk.workcalendar import services
from stroydesk.workcalendar.calendar import MOSCOW, YearInfo
from stroydesk.workcalendar.checks import YearNotice, year_notices
from stroydesk.workcalendar.models import CalendarYear


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


def travel(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def warnings() -> list[tuple[str, str]]:
    return [
        (message.id, message.msg)
        for message in checks.run_checks(tags=["workcalendar"])
        if message.id.startswith("workcalendar.")
    ]


COVERED = {y: YearInfo(year=y, source="Постановление") for y in (2026, 2027)}


@pytest.mark.parametrize(
    ("today", "years", "expected"),
    [
        (date(2027, 9, 30), COVERED, []),
        (date(2027, 10, 1), COVERED, [YearNotice(year=2028, missing=True)]),
        (date(2026, 10, 1), COVERED, []),
        (
            date(2026, 12, 31),
            {**COVERED, 2027: YearInfo(2027, "ст. 112", provisional=True, provisional_reason="r")},
            [YearNotice(year=2027, missing=False, reason="r")],
        ),
        (date(2028, 3, 1), COVERED, [YearNotice(year=2028, missing=True)]),
    ],
)
def test_which_years_need_attention(today, years, expected):
    assert year_notices(today=today, years=years) == expected


@pytest.mark.django_db
def test_the_check_starts_on_october_1_in_moscow():
    with travel(msk(2027, 9, 30, 23, 59)):
        assert warnings() == []
    with travel(msk(2027, 10, 1, 0, 0)):  # still 30.09 in UTC
        [(check_id, message)] = warnings()
    assert check_id == "workcalendar.W001"
    assert "2028" in message


@pytest.mark.django_db
def test_the_check_follows_the_admin_from_missing_to_provisional_to_confirmed():
    with travel(msk(2027, 11, 2, 10, 0)):
        assert [check_id for check_id, _ in warnings()] == ["workcalendar.W001"]
        row = services.calendar_year_save(
            calendar_year=CalendarYear(year=2028, source="проект", is_provisional=True)
        )
        [(check_id, message)] = warnings()
        assert check_id == "workcalendar.W002"
        assert "2028" in message and "проект" in message
        row.source, row.is_provisional = "Постановление (тест)", False
        services.calendar_year_save(calendar_year=row)
        assert warnings() == []


@pytest.mark.django_db
@pytest.mark.usefixtures("before_the_decree")
def test_a_provisional_2027_is_flagged_from_october_2026():
    with travel(msk(2026, 9, 30, 12, 0)):
        assert warnings() == []
    with travel(msk(2026, 10, 1, 12, 0)):
        assert [check_id for check_id, _ in warnings()] == ["workcalendar.W002"]


@pytest.mark.django_db
def test_the_messages_are_translated():
    with travel(msk(2027, 10, 1, 12, 0)), translation.override("ru"):
        [(_, message)] = warnings()
    assert message.startswith("Производственный календарь не охватывает 2028 год")


@pytest.mark.django_db
def test_the_admin_index_and_the_calendar_app_page_show_the_notice(client, admin_user):
    # Signed in inside each journey: a session from today would have expired by then.
    with travel(msk(2027, 9, 30, 12, 0)):
        client.force_login(admin_user)
        page = client.get("/admin/")
        assert page.status_code == 200
        assert "workcalendar-notices" not in page.content.decode()
    with travel(msk(2027, 10, 1, 12, 0)):
        client.force_login(admin_user)
        for url in ("/admin/", "/admin/workcalendar/"):
            page = client.get(url).content.decode()
            assert 'class="messagelist workcalendar-notices"' in page, url
            assert "2028" in page
            assert 'href="/admin/workcalendar/calendaryear/"' in page


@pytest.mark.django_db
def test_staff_who_cannot_edit_the_calendar_are_not_told(client):
    staff = User.objects.create_user(username="clerk", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    with travel(msk(2027, 10, 1, 12, 0)):
        client.force_login(staff)
        page = client.get("/admin/")
    assert page.status_code == 200
    assert "workcalendar-notices" not in page.content.decode()
    staff.user_permissions.add(Permission.objects.get(codename="change_calendaryear"))
    staff = User.objects.get(pk=staff.pk)  # permissions are cached on the instance
    with travel(msk(2027, 10, 1, 12, 0)):
        client.force_login(staff)
        assert "workcalendar-notices" in client.get("/admin/").content.decode()
