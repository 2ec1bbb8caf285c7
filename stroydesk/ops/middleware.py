"""The web request's id and timing: set for its logs, answered in a header, fed to the metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

from stroydesk.ops.logs import request_id_var
from stroydesk.ops.metrics import observe_request

log = logging.getLogger(__name__)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each web request an id (the caller's, if sane) and times it for the metrics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        observe_request(request, response.status_code, time.perf_counter() - started)
        response["X-Request-ID"] = request_id
        return response


class DatabaseUnavailableMiddleware:
    """While the database is unreachable (restarting, failing over), answer a clean 503 with
    Retry-After instead of a 500: clients and the load balancer know to try again, and nothing
    was half-written — the request's transaction never committed."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("database unavailable: %s", exception)
        message = gettext("The service is briefly unavailable. Please try again in a minute.")
        if request.path.startswith(("/api/", "/open311/")):
            response: HttpResponse = JsonResponse({"detail": message, "errors": {}}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
