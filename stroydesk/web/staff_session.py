"""Sessions of staff: signed out when left idle or too long after signing in, and kept at the
second step of sign-in (the authenticator app's code) until it is passed.

Both hold for every way a session is opened — the portal's form, the admin's, a session the API
is called with — because they are checked on each request rather than in one login view.
Applicants keep the ordinary long session (``SESSION_COOKIE_AGE``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from stroydesk.accounts import twofactor
from stroydesk.accounts.models import User
from stroydesk.web.views import is_htmx

STARTED = "stroydesk_staff_started"
SEEN = "stroydesk_staff_seen"
# The last-seen moment is written at most this often: not a session write on every request.
SEEN_PRECISION_SECONDS = 60
# Reachable before the second step: the step itself, signing out, the language switch, probes.
_OPEN_NAMES = ("portal:two_factor", "portal:two_factor_setup", "portal:logout", "set_language")
_OPEN_PREFIXES = ("/static/", "/media/", "/healthz", "/readyz", "/metrics", "/favicon.ico")


def is_staff_role(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and user.role != User.Role.APPLICANT


def on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """At sign-in: start the staff clocks, and note whether a second step is owed (so that
    each later request reads the session, not the database)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session.pop(twofactor.SESSION_KEY, None)
    if not twofactor.second_factor_required(user):
        twofactor.session_mark_verified(session, user)
    if is_staff_role(user):
        now = int(time.time())
        session[STARTED] = session[SEEN] = now
        session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # No session cookie, no session user: anonymous pages stay free of session reads.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            refused = self._check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if is_staff_role(user) and self._expired(request):
            logout(request)
            messages.info(request, _("You were signed out after a time without activity."))
            if request.path.startswith("/api/"):
                return None  # the API answers an anonymous caller itself (401)
            return _to(request, redirect_to_login(request.get_full_path()).url)
        session = request.session
        if twofactor.session_verified(session, user) or self._open(request.path):
            return None
        if not twofactor.second_factor_required(user):
            twofactor.session_mark_verified(session, user)  # a session from before this rule
            return None
        if request.path.startswith("/api/"):
            detail = _("Enter the code of your authenticator app on the sign-in page first.")
            return JsonResponse({"detail": detail, "errors": {}}, status=403)
        step = (
            "portal:two_factor"
            if twofactor.second_factor_enrolled(user)
            else "portal:two_factor_setup"
        )
        return _to(request, f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")

    def _expired(self, request: HttpRequest) -> bool:
        session = request.session
        now = int(time.time())
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None or seen is None:
            session[STARTED] = session[SEEN] = now
            session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)
            return False
        idle = now - seen > settings.STAFF_SESSION_IDLE_MINUTES * 60
        too_long = now - started > settings.STAFF_SESSION_MAX_HOURS * 3600
        if idle or too_long:
            return True
        if now - seen >= SEEN_PRECISION_SECONDS:
            session[SEEN] = now
            session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)
        return False

    @staticmethod
    def _open(path: str) -> bool:
        if path.startswith(_OPEN_PREFIXES):
            return True
        return any(path == reverse(name) for name in _OPEN_NAMES)


def _to(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that also takes an HTMX request's whole page there (not into a fragment)."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
