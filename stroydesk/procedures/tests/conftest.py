from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.cache import cache

from stroydesk.procedures.catalogue import parse_catalogue
from stroydesk.procedures.loading import DATA_FILE
from stroydesk.procedures.selectors import CACHE_KEY
from stroydesk.workcalendar.calendar import ProductionCalendar


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
