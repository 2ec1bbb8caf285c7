"""Test personas and shared fixtures: one user per role, two authorities, the seeded directory."""

from __future__ import annotations

import os
import uuid

import pytest
from rest_framework.test import APIClient

from stroydesk.accounts.models import User
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.core import ratelimit
from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.services import directory_seed, specialist_appoint


def _user(username: str, role: str, **extra) -> User:
    return user_create(
        username=username,
        password="pass-for-tests-1",
        role=role,
        email=f"{username}@example.ru",
        **extra,
    )


@pytest.fixture
def directory(db) -> None:
    directory_seed()


@pytest.fixture
def authority(directory) -> Authority:
    return Authority.objects.get(code="mosgosstroynadzor")


@pytest.fixture
def other_authority(directory) -> Authority:
    return Authority.objects.get(code="moskomarkhitektura")


@pytest.fixture
def topic(directory) -> Topic:
    return Topic.objects.get(code="construction-permit")


@pytest.fixture
def applicant_user(db) -> User:
    user = _user("ivanov", User.Role.APPLICANT, first_name="Иван", last_name="Иванов")
    applicant_for_user(user=user)
    return user


@pytest.fixture
def other_applicant_user(db) -> User:
    user = _user("petrova", User.Role.APPLICANT, first_name="Мария", last_name="Петрова")
    applicant_for_user(user=user)
    return user


@pytest.fixture
def operator(db) -> User:
    return _user("operator", User.Role.OPERATOR, first_name="Ольга", last_name="Смирнова")


@pytest.fixture
def operator2(db) -> User:
    return _user("operator2", User.Role.OPERATOR)


@pytest.fixture
def supervisor(db) -> User:
    return _user("supervisor", User.Role.SUPERVISOR)


@pytest.fixture
def admin_user(db) -> User:
    return _user("admin", User.Role.ADMIN)


@pytest.fixture
def specialist(authority) -> User:
    user = _user("specialist", User.Role.SPECIALIST)
    specialist_appoint(user=user, authority=authority)
    return user


@pytest.fixture
def other_specialist(other_authority) -> User:
    user = _user("specialist2", User.Role.SPECIALIST)
    specialist_appoint(user=user, authority=other_authority)
    return user


@pytest.fixture
def api():
    """An API client factory: api(user) is a client signed in as that user (None: anonymous)."""

    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


# --- Browser tests (Playwright against Debian's chromium) -----------------------------------

# Overridable only to try the missing-browser rule; CI uses Debian's package.
CHROMIUM = os.environ.get("STROYDESK_CHROMIUM", "/usr/bin/chromium")


def _strict() -> bool:
    return os.environ.get("STROYDESK_STRICT", "") not in {"", "0"}


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first (those that keep to one transaction, so that pytest-django's order —
    such tests before the ones that empty the tables — holds): on several workers no worker is
    left running one of them alone at the end."""
    first = [item for item in items if item.get_closest_marker("long") and not _transactional(item)]
    if first:
        chosen = set(first)
        items[:] = first + [item for item in items if item not in chosen]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A browser test skips (with the reason) when chromium is missing; fails when strict."""
    if item.get_closest_marker("browser") is None:
        return
    if os.access(CHROMIUM, os.X_OK):
        # Playwright's sync API keeps an event loop running in the test thread from the first
        # browser test to the end of the session; Django would refuse the plain sync ORM calls
        # of fixtures and database teardown as "async unsafe" while it runs.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        return
    reason = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
    if _strict():
        pytest.fail(f"STROYDESK_STRICT=1 and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Every Playwright test drives the system chromium (nothing is downloaded)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            *browser_type_launch_args.get("args", []),
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _own_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test counts its rate limits afresh: the cache (the process's memory, or Redis shared
    by parallel runs) keeps the counts of earlier tests, and clearing it would clear theirs."""
    monkeypatch.setattr(ratelimit, "NAMESPACE", f"rl-test-{uuid.uuid4().hex}")
