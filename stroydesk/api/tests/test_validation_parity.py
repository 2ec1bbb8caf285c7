"""The API's bodies validated with fields made once per class give what DRF's own validation
gives — the same data, or the same errors with the same codes — for anything a client may send.

Every ``StrictSerializer`` is fuzzed: known and unknown names, values of every JSON type, the
values that pass (codes, choices, dates) and those at the limits (blank, too long, NUL, lone
surrogates, a list where an object goes)."""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers as drf

from stroydesk.accounts.models import User
from stroydesk.api import serializers as s

SERIALIZERS = sorted(s.StrictSerializer.__subclasses__(), key=lambda cls: cls.__name__)

# Values that mean something to some field: codes that exist, choices, times, a login.
MEANINGFUL = [
    "night-works",
    "mosgosstroynadzor",
    "operator",
    "phone",
    "api",
    "resident",
    "developer",
    "2026-12-01T10:00:00+03:00",
    "2026-12-01T10:00:00Z",
    "2026-12-01T10:00",
    "2026-12-01",
    "1999-01-01T00:00:00",
    "someone@example.ru",
    "not an e-mail",
    "+7 495 000-00-00",
    "7707083893",
    "",
    "   ",
    "x" * 301,
    "a\x00b",
    "\ud800",
]
scalars = st.one_of(
    st.sampled_from(MEANINGFUL),
    st.text(max_size=12),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["full_name", "email", "kind", "bogus"]), inner),
    ),
    max_leaves=6,
)


def _bodies(cls: type[s.StrictSerializer]) -> st.SearchStrategy[dict[str, Any]]:
    names = [*cls._declared_fields, "unknown_field"]
    return st.dictionaries(st.sampled_from(names), values, max_size=len(names))


def _outcome(serializer: drf.Serializer) -> tuple[str, Any]:
    try:
        if serializer.is_valid():
            return "valid", dict(serializer.validated_data)
        return "invalid", serializer.errors
    except Exception as exc:  # both ways must fail alike, whatever the failure
        return "raised", type(exc)


def _both(cls: type[s.StrictSerializer], body: Any, role: str) -> tuple[Any, Any]:
    context = {"request": SimpleNamespace(user=SimpleNamespace(role=role))}
    shared = cls(data=body, context=context)
    drfs = cls(data=body, context=context)
    drfs.run_validation = functools.partial(drf.Serializer.run_validation, drfs)  # type: ignore[method-assign]
    return _outcome(shared), _outcome(drfs)


def test_every_strict_serializer_validates_with_shared_fields():
    # A class that silently fell back to DRF's way would pass the parity tests without being fast.
    assert SERIALIZERS
    assert [cls.__name__ for cls in SERIALIZERS if s._shared_fields(cls) is None] == []


@pytest.mark.parametrize("cls", SERIALIZERS, ids=lambda cls: cls.__name__)
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), role=st.sampled_from([User.Role.APPLICANT, User.Role.OPERATOR]))
def test_shared_fields_validate_as_drf_does(cls, data, role, directory, operator):
    body = data.draw(_bodies(cls))
    shared, drfs = _both(cls, body, role)
    assert shared == drfs, body


@pytest.mark.parametrize("body", [[], "text", None, 5, {"subject": None}])
def test_what_is_not_an_object_is_refused_alike(body, directory):
    shared, drfs = _both(s.RequestCreateSerializer, body, User.Role.OPERATOR)
    assert shared[0] in {"invalid", "raised"}
    assert shared == drfs


def test_a_registration_body_validates_to_the_same_data(directory, operator):
    body = {
        "subject": "  Шум  ",
        "text": "Ночью работает техника.",
        "topic": "night-works",
        "channel": "phone",
        "registered_at": "2026-12-01T10:00:00+03:00",
        "applicant": {"full_name": "Сидоров Пётр", "email": "sidorov@example.ru"},
    }
    shared, drfs = _both(s.RequestCreateSerializer, body, User.Role.OPERATOR)
    assert shared[0] == "valid"
    assert shared[1]["subject"] == "Шум"
    assert shared[1]["topic"].code == "night-works"
    assert shared[1]["applicant"]["kind"] == "resident"  # the nested default
    assert shared == drfs


def test_a_field_that_needs_its_parent_goes_through_drf():
    class Renamed(s.StrictSerializer):
        name = drf.CharField(source="title")

    class Nested(s.StrictSerializer):
        inner = Renamed()

    assert s._shared_fields(Renamed) is None
    assert s._shared_fields(Nested) is None
    assert Renamed(data={"name": "x"}).is_valid()
    assert not Renamed(data={"name": "x", "other": 1}).is_valid()
