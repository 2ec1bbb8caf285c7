"""How long a locked-out sign-in waits: growing with each lockout of the same name in a day.

django-axes counts failed sign-ins on every entry point (the portal's form, the admin, the API's
token endpoint) and locks the name out after ``AXES_FAILURE_LIMIT`` of them; the first lockout
lasts ``LOCKOUT_BASE_MINUTES``, each further one that day twice as long, up to a day. A guesser
gets a handful of tries an hour, while a person who mistyped waits minutes.
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessFailureLog
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

MAX_COOL_OFF = timedelta(days=1)


def cool_off(request: HttpRequest | None) -> timedelta:
    base = timedelta(minutes=getattr(settings, "LOCKOUT_BASE_MINUTES", 15))
    username = _username(request)
    if not username:
        return base
    failures = AccessFailureLog.objects.filter(
        username=username, attempt_time__gte=timezone.now() - timedelta(days=1)
    ).count()
    lockouts_before = max(failures // settings.AXES_FAILURE_LIMIT - 1, 0)
    return min(base * 2**lockouts_before, MAX_COOL_OFF)


def _username(request: HttpRequest | None) -> str:
    """The name being signed in with: from axes' record of a failure, the API's parsed body, or
    the form — whichever this request has."""
    for source in (
        getattr(request, "axes_credentials", None),
        getattr(request, "data", None),
        getattr(request, "POST", None),
    ):
        get = getattr(source, "get", None)
        if callable(get):
            value = get("username")
            if isinstance(value, str) and value:
                return value
    return ""
