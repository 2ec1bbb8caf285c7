"""The calendar admin's year filter with a year in Unicode digits: the whole list (the int()
failure had the admin answer its «bad parameters» redirect)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("year", ["²⁰²⁷", "٢٠٢٧", "2027"])
def test_year_filter_takes_only_ascii_digits(client, admin_user, year):
    client.force_login(admin_user)
    response = client.get("/admin/workcalendar/calendarday/", {"year": year})
    assert response.status_code == 200
