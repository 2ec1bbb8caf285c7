"""``./dev demo``: the dashboard has figures and letters' links point to the demo's own port."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

DEV = (Path(__file__).resolve().parent.parent / "dev").read_text()
DEMO = DEV[DEV.index("cmd_demo()") : DEV.index("cmd_test()")]


def test_dev_demo_sets_site_url_from_the_port_before_any_command():
    exported = re.search(r"export SITE_URL=\$\{SITE_URL:-http://127\.0\.0\.1:\$\{port\}\}", DEMO)
    assert exported is not None
    assert exported.start() < DEMO.index("manage.py migrate")


def test_dev_demo_computes_rollups_after_the_data_and_before_the_url():
    rollups = DEMO.index("manage.py rebuild_rollups")
    assert DEMO.index("manage.py demo_data") < rollups < DEMO.index("is running at")


@pytest.mark.long
@pytest.mark.django_db
def test_after_demo_and_rollups_the_dashboard_has_figures(client, supervisor):
    call_command("demo_data", requests=60, seed=5, stdout=StringIO())
    call_command("rebuild_rollups", stdout=StringIO())
    client.force_login(supervisor)
    page = client.get("/stats/").content.decode()
    assert "The figures have not been computed yet." not in page
    assert "Итоги ещё не рассчитаны" not in page
