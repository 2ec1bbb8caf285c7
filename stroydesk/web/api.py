"""One error shape for the whole REST API.

Every error answers ``{"detail": "...", "errors": {field: [messages]}}`` so that a client has one
place to look; DRF's own validation errors keep their per-field messages under ``errors``.
"""

from __future__ import annotations

from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from stroydesk.core.errors import Refused
from stroydesk.core.ratelimit import RateLimited


class Conflict(exceptions.APIException):
    """The request is valid but the object's state does not allow it (HTTP 409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's current state does not allow this action."
    default_code = "conflict"


class SignInLocked(exceptions.Throttled):
    """Too many failed sign-ins for this name: wait (HTTP 429 with Retry-After)."""

    default_detail = gettext_lazy("Too many failed sign-ins. Try again later.")

    def __init__(self) -> None:
        cool_off = get_cool_off()
        super().__init__(wait=cool_off.total_seconds() if cool_off else None)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The upload is too large."
    default_code = "too_large"


class JSONParser(parsers.JSONParser):
    """DRF's parser, answering a body nested deeper than Python's recursion allows with a 400:
    the standard ``json`` module raises RecursionError there, which DRF lets through as a 500."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("it is nested too deeply.")) from None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, AxesBackendPermissionDenied):
        exc = SignInLocked()
    if isinstance(exc, RateLimited):
        exc = exceptions.Throttled(wait=exc.retry_after)
    if isinstance(exc, Refused):
        exc = Conflict(str(exc) or None)
    if isinstance(exc, exceptions.ParseError):
        # DRF words a broken body in English whatever the client's language.
        exc = exceptions.ParseError(
            _("The request body could not be read: %(reason)s")
            % {"reason": _("it is not valid JSON.") if "JSON" in str(exc.detail) else exc.detail}
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        first = _first_message(errors)
        response.data = {"detail": first or "Invalid input.", "errors": errors}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"detail": str(data["detail"]), "errors": {}}
    return response


def _first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        for key, value in errors.items():
            message = _first_message(value)
            if message:
                return message if key == "non_field_errors" else f"{key}: {message}"
    elif isinstance(errors, list):
        for value in errors:
            message = _first_message(value)
            if message:
                return message
    elif errors:
        return str(errors)
    return ""
