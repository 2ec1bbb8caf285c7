from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache

from stroydesk.procedures.catalogue import parse_catalogue
from stroydesk.procedures.loading import DATA_FILE
from stroydesk.procedures.selectors import CACHE_KEY
from stroydesk.workcalendar.calendar import ProductionCalendar


@pytest.fixture(autouse=True)
def catalogue_in_force(request):
    """The catalogue the migration loads, also after a transactional test elsewhere emptied the
    tables (pytest-django flushes them; under pytest-xdist such a test can run first)."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from stroydesk.procedures.models import Procedure

    if not Procedure.objects.exists():
        load_catalogue_migration = importlib.import_module(
            "stroydesk.procedures.migrations.0002_load_catalogue"
        )
        load_catalogue_migration.load(django_apps, None)


@pytest.fixture(autouse=True)
def fresh_catalogue_cache():
    """The cached catalogue must not leak an edited catalogue from one test into the next."""
    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


@pytest.fixture(scope="session")
def specs():
    return parse_catalogue(json.loads(Path(DATA_FILE).read_text(encoding="utf-8")))[1]


@pytest.fixture(scope="session")
def calendar():
    return ProductionCalendar.from_file()


@pytest.fixture
def catalogue_json():
    return json.loads(Path(DATA_FILE).read_text(encoding="utf-8"))
