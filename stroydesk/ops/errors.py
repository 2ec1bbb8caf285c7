"""The answer to an unexpected failure (DEBUG off): the API's JSON error shape under /api/, with
the request id that the log line carries, so that a client can report it and we can find it;
Django's 500 page elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from stroydesk.ops.logs import request_id_var

API_PREFIX = "/api/"


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
