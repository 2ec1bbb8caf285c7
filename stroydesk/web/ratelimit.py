"""Rate limits at the web's edge: who a caller is (the client's address behind the proxies we
trust), the 429 answer with Retry-After, a view decorator and the REST API's throttle.

The counting itself is ``core.ratelimit`` (the shared cache). A service that limits what it
does (letters per address) raises ``RateLimited``; ``SecurityHeadersMiddleware`` answers it with
429 like a limit checked here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from rest_framework.throttling import BaseThrottle

from stroydesk.core.ratelimit import Limit, RateLimited, rate_limit_hit

if TYPE_CHECKING:  # DRF's views import the throttle classes named in the settings: this one
    from rest_framework.request import Request
    from rest_framework.views import APIView


def client_ip(request: HttpRequest) -> str:
    """The caller's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the
    address the outermost of them saw (the entries before it could be forged by the caller)."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        chain = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(chain) >= proxies:
            return chain[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def too_many(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """429 with Retry-After: the API's JSON error shape under /api/, plain text elsewhere."""
    message = gettext("Too many requests. Try again in %(seconds)d s.") % {
        "seconds": exc.retry_after
    }
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "errors": {}}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(exc.retry_after)
    return response


def rate_limited(
    limit: Limit,
    who: Callable[[HttpRequest], str] = client_ip,
    methods: tuple[str, ...] = ("POST",),
) -> Callable:
    """Count each call of the view by these methods against ``limit``; over it, 429."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                wait = rate_limit_hit(limit=limit, who=who(request))
                if wait is not None:
                    return too_many(request, RateLimited(limit, wait))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def api_limits() -> tuple[Limit, Limit]:
    """(per signed-in user, per anonymous address) for the REST API, per minute."""
    return (
        Limit("api-user", settings.API_RATE_LIMIT_PER_MINUTE, 60),
        Limit("api-anonymous", settings.API_ANONYMOUS_RATE_LIMIT_PER_MINUTE, 60),
    )


class SharedCacheThrottle(BaseThrottle):
    """The REST API's throttle: calls per minute per user (or per address when anonymous),
    counted in the shared cache. DRF answers a refusal with 429 and Retry-After."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        per_user, per_address = api_limits()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            limit, who = per_user, f"user:{user.pk}"
        else:
            limit, who = per_address, client_ip(request)
        self._wait = rate_limit_hit(limit=limit, who=who)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
