"""Bodies and parameters crafted to break the server: nesting deeper than the parser's
recursion, forged cursors, and what an unexpected failure looks like with DEBUG off."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest

URL = "/api/v1/requests/"


def _drf_cursor(**fields: str) -> str:
    return base64.b64encode(urlencode(fields).encode()).decode()


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deeply_nested_json_is_a_400_in_the_error_shape(api, operator, directory, opener):
    closer = "]" if opener == "[" else "}"
    body = opener * 100_000 + "1" + closer * 100_000
    response = api(operator).post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {}
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "position",
    ["abc", "1e400", "99999999999999999999999999", "-1", "²", "1; DROP TABLE x", "\x00"],
)
def test_a_forged_list_cursor_is_a_client_error(api, operator, directory, position):
    response = api(operator).get(URL, {"cursor": _drf_cursor(p=position)})
    assert response.status_code in {200, 404}, response.content
    assert response["Content-Type"].startswith("application/json")
