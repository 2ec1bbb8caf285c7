"""Details of the API a first user trips over: offline docs, times, languages, 401."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_api_docs_load_swagger_ui_from_the_installation(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert any("swagger-ui" in a for a in assets), page
    for asset in assets:
        assert finders.find(asset.split("?")[0]), asset
