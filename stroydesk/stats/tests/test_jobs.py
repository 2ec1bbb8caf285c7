"""The periodic job and the rebuild command keep the rollups in step, idempotently."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from stroydesk.cases import services
from stroydesk.stats.models import DailyRollup, RollupState
from stroydesk.stats.tasks import rollups_refresh_periodic

from .conftest import msk

pytestmark = pytest.mark.django_db


def received_in_march() -> int:
    return sum(
        DailyRollup.objects.filter(day__month=3, day__year=2021).values_list("received", flat=True)
    )


def test_the_periodic_job_reads_new_history(march, topic):
    from .conftest import register

    applicant = march.requests["r1"].applicant
    late = register(applicant, "email", msk(3, 20, 10), topic)
    services.request_take(request=late, by=march.operator, at=msk(3, 20, 11))
    assert received_in_march() == 4
    rollups_refresh_periodic.call_local()
    assert received_in_march() == 5
    state = RollupState.objects.get()
    assert state.last_history_id > 0
    assert state.refreshed_at is not None


def test_rebuild_command(march, capsys):
    DailyRollup.objects.filter(day__month=3).delete()
    call_command("rebuild_rollups", "--from", "2021-03-01", "--to", "2021-03-31")
    assert received_in_march() == 4
    assert "days re-summed" in capsys.readouterr().out
    call_command("rebuild_rollups", "--from", "2021-03-01", "--to", "2021-03-31")
    assert "0 facts changed" in capsys.readouterr().out
    call_command("rebuild_rollups")
    assert "0 facts changed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--from", "2021-03-31", "--to", "2021-03-01"], "after"),
        (["--from", "2021-03-01"], "both"),
        (["--from", "yesterday", "--to", "2021-03-01"], "not a date"),
        (["--from", "1900-01-01", "--to", "2021-03-01"], "20 years"),
    ],
)
def test_rebuild_command_refuses_bad_dates(db, args, words):
    with pytest.raises(CommandError, match=words):
        call_command("rebuild_rollups", *args)


def test_rebuild_of_an_empty_range_changes_nothing(db):
    call_command("rebuild_rollups", "--from", "2021-01-01", "--to", "2021-01-31")
    assert not DailyRollup.objects.exists()
