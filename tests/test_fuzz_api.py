"""The API fuzzed from its own OpenAPI document: every operation, as every role, with inputs
schemathesis makes from the schema (valid and deliberately invalid ones).

What must hold for each answer: no 5xx; the status code is one the document lists for that
operation; the body matches the documented schema (nullable fields marked, datetimes RFC 3339);
the content type is the documented one. The run goes through the WSGI application in-process,
against the test database with a few real objects in it, so that ids sometimes hit.

The cost is bounded by ``FUZZ_EXAMPLES`` per operation and role (``STROYDESK_FUZZ_EXAMPLES``
raises it for a longer local run); the figures of a run are printed at the end.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stroydesk.accounts.models import User

# Any 32 letters: Django compares the cookie with the header, nothing else, over plain HTTP.
CSRF = "f" * 32
FUZZ_EXAMPLES = int(os.environ.get("STROYDESK_FUZZ_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The token endpoint counts failed sign-ins per name: fuzzing it would lock the personas out
# and test the lockout, not the schema. Its own tests cover it.
SKIP = {("POST", "/api/v1/auth/token/")}


def _cookies(user: User | None) -> dict[str, str]:
    """A session of ``user`` and a CSRF pair: the API's session authentication accepts both."""
    cookies = {"csrftoken": CSRF}
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies["sessionid"] = client.cookies["sessionid"].value
    return cookies


def _fuzz(operation, *, cookies: dict[str, str], mode: GenerationMode, seen: Counter) -> list:
    failures: list = []
    headers = {"X-CSRFToken": CSRF, "Accept": "application/json", "Accept-Language": "ru"}

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        response = case.call(headers=headers, cookies=cookies)
        seen[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            sent = f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}"[
                :300
            ]
            failures.extend(
                f"{f.title}: {str(f.message)[:400]} <- {sent}" for f in group.exceptions
            )

    # Nothing to make invalid (no parameters, no body): the positive run covers it.
    with contextlib.suppress(Unsatisfiable):
        run()
    return failures


@pytest.fixture
def connection_kept():
    """The WSGI handler closes the database connection after each request, as a server should;
    here that connection holds the test's transaction, so keep it (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.long
@pytest.mark.django_db
@pytest.mark.usefixtures("connection_kept")
def test_every_operation_as_every_role_answers_within_its_schema(world, capsys):
    # The outsiders add nothing here (the rule test covers them): one persona per role.
    wanted = os.environ.get("STROYDESK_FUZZ_ROLES", "")
    personas = {
        name: user
        for name, user in world.personas.items()
        if not name.startswith("other_") and (not wanted or name in wanted.split(","))
    }
    started, cpu = time.perf_counter(), time.process_time()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if (op.method.upper(), op.path) not in SKIP]
    seen: Counter = Counter()
    problems: dict[str, list[str]] = {}
    for name, user in personas.items():
        cookies = _cookies(user)
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                found = _fuzz(operation, cookies=cookies, mode=mode, seen=seen)
                if found:
                    problems.setdefault(f"{name} {operation.method.upper()} {operation.path}", [])
                    problems[f"{name} {operation.method.upper()} {operation.path}"] += found
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    with capsys.disabled():
        print(
            f"\nfuzz: {len(operations)} operations x {len(personas)} roles x 2 modes, "
            f"{sum(seen.values())} calls in {elapsed:.0f} s ({cpu:.0f} s of CPU); "
            f"statuses {dict(sorted(seen.items()))}"
        )
    report = "\n".join(f"{key}:\n  " + "\n  ".join(sorted(set(v))) for key, v in problems.items())
    assert not problems, report
