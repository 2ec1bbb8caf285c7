"""Each test starts and ends with no cached calendar, so no test sees another's rows."""

from collections.abc import Iterator

import pytest

from stroydesk.workcalendar.selectors import reset_calendar_cache


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    reset_calendar_cache()
    yield
    reset_calendar_cache()
