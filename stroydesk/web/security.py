"""Answers that protect every page: a Content-Security-Policy, and bodies refused by size
before they are read.

The templates carry no inline script or style (STYLE.md), so the policy can forbid them: an
injected ``<script>`` runs nowhere. A body whose declared length is over what any endpoint takes
is refused with 413 at once, before a byte of it is read or parsed; a file over the attachment
limit inside an allowed multipart body is stopped while it streams in (``LimitedUploadHandler``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

from stroydesk.core.ratelimit import RateLimited
from stroydesk.web.ratelimit import too_many

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


class BodyTooLarge(Exception):
    """A request body or one of its files is over the limit (HTTP 413)."""


def body_limit() -> int:
    """The largest body any endpoint takes: every allowed file at its largest, plus the form."""
    return settings.ATTACHMENT_MAX_COUNT * settings.ATTACHMENT_MAX_BYTES + (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


def too_large(request: HttpRequest, message: str) -> HttpResponse:
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse({"detail": message, "errors": {}}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class SecurityHeadersMiddleware:
    """Sets the Content-Security-Policy (unless a view set its own) and refuses oversized bodies
    by their declared length: a JSON body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, any body over
    ``body_limit()``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._refuse_oversized(request) or self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BodyTooLarge):
            return too_large(request, str(exception))
        if isinstance(exception, RateLimited):
            return too_many(request, exception)
        return None

    def _refuse_oversized(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return too_large(request, gettext("The request's length is not a number."))
        multipart = (request.content_type or "").startswith("multipart/")
        limit = body_limit() if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            return too_large(
                request,
                gettext("The request is too large: %(size)d bytes, at most %(limit)d.")
                % {"size": length, "limit": limit},
            )
        return None


class LimitedUploadHandler(FileUploadHandler):
    """Stops a file sent to the API as soon as it passes the attachment limit, instead of
    storing it whole first. Listed first in ``FILE_UPLOAD_HANDLERS``; passes the data on
    unchanged. The portal's forms keep the whole (length-capped) body and show the size error
    next to the field, with what was typed, which a person needs more than the saved bytes."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        path = self.request.path if self.request is not None else ""
        self.enforce = path.startswith(("/api/", "/open311/"))

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.enforce and self.received > settings.ATTACHMENT_MAX_BYTES:
            raise BodyTooLarge(
                gettext("The file %(name)s is larger than %(limit)d bytes.")
                % {"name": self.file_name, "limit": settings.ATTACHMENT_MAX_BYTES}
            )
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
