"""A slice of the shipped set, and each distinct training done once per test session.

Training is deterministic (same rows → same classifier), so tests that train on the same rows
share the fitted classifier; what each test checks (storing, versions, switching, the rows that
went in) still runs for real.
"""

from __future__ import annotations

import pytest

from stroydesk.cases import services as lifecycle
from stroydesk.cases.models import Request
from stroydesk.cases.tests.factories import ApplicantFactory
from stroydesk.routing import engine, learn, services

_trained: dict[tuple, learn.Classifier] = {}
_real_train = learn.train


def _train_once(examples, **kwargs):
    key = (
        tuple((e.subject, e.text, e.topic, e.authority) for e in examples),
        tuple(kwargs.items()),
    )
    if key not in _trained:
        _trained[key] = _real_train(examples, **kwargs)
    return _trained[key]


@pytest.fixture(autouse=True)
def _train_once_per_session(monkeypatch):
    monkeypatch.setattr(services, "train", _train_once)


@pytest.fixture(autouse=True)
def _fresh_cache():
    engine.forget_loaded()
    yield
    engine.forget_loaded()


@pytest.fixture
def small_set():
    rows = services.shipped_examples()
    return tuple(rows[::3])


@pytest.fixture
def trained(directory, small_set, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.model_train(shipped=small_set)


@pytest.fixture
def new_request(directory):
    def make(subject: str, text: str, *, cadastral_number: str = "") -> Request:
        return lifecycle.request_register(
            applicant=ApplicantFactory(),
            channel=Request.Channel.PORTAL,
            subject=subject,
            text=text,
            cadastral_number=cadastral_number,
        )

    return make
