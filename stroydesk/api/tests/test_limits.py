"""The REST API's rate limit: calls per minute per user, or per address when anonymous,
counted in the shared cache; over it, 429 with Retry-After in the API's error shape."""

from __future__ import annotations

import pytest
import time_machine


@pytest.mark.django_db
def test_calls_over_the_limit_answer_429_with_retry_after(api, applicant_user, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    settings.API_ANONYMOUS_RATE_LIMIT_PER_MINUTE = 2
    signed_in = api(applicant_user)
    with time_machine.travel("2025-10-14 10:00:20+03:00", tick=False):
        for _ in range(3):
            assert signed_in.get("/api/v1/requests/").status_code == 200
        refused = signed_in.get("/api/v1/requests/")
        assert refused.status_code == 429
        assert refused["Retry-After"] == "40"
        assert set(refused.json()) == {"detail", "errors"}
        anonymous = api()
        for _ in range(2):
            assert anonymous.post("/api/v1/auth/token/", {}).status_code == 400
        assert anonymous.post("/api/v1/auth/token/", {}).status_code == 429
        # Another address is counted on its own.
        assert anonymous.post("/api/v1/auth/token/", {}, REMOTE_ADDR="10.0.0.2").status_code == 400
    with time_machine.travel("2025-10-14 10:01:00+03:00", tick=False):
        assert signed_in.get("/api/v1/requests/").status_code == 200
