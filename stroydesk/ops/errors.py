"""The answers to an unknown path and to an unexpected failure (DEBUG off): the API's JSON
error shape under /api/ (for a failure with the request id that the log line carries, so that a
client can report it and we can find it); Django's pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import defaults

from stroydesk.ops.logs import request_id_var

API_PREFIX = "/api/"


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A path under /api/ that no route matches (``/api/v1/requests/abc/``) answers in the API's
    shape too: a client parses one kind of error whatever refused it."""
    if not request.path.startswith(API_PREFIX):
        return defaults.page_not_found(request, exception)
    body = {"detail": pgettext("api", "Not found."), "errors": {}}
    return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})


def server_error(request: HttpRequest) -> HttpResponse:
    if not request.path.startswith(API_PREFIX):
        return defaults.server_error(request)
    request_id = request_id_var.get() or ""
    body = {
        "detail": _(
            "Something went wrong on our side. Please try again later; if it happens again, "
            "tell us this request id: %(id)s"
        )
        % {"id": request_id},
        "errors": {},
        "request_id": request_id,
    }
    return JsonResponse(body, status=500, json_dumps_params={"ensure_ascii": False})
