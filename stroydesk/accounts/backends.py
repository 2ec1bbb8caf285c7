"""How logins are checked: Django's model backend, closed to accounts with an unconfirmed e-mail.

The rule sits in the backend rather than in the sign-in form so that every way in obeys it: the
portal's form, the admin, the API's token endpoint (which checks the password through the
backend), and a session that is already open (each request loads its user through the
backend). An API token issued earlier is the one way in that skips the backend: the API's
``ApiTokenAuthentication`` (``accounts/authentication.py``) refuses it instead.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend


class ConfirmedEmailBackend(ModelBackend):
    """Sign in by login and password, active accounts with a confirmed e-mail only."""

    def user_can_authenticate(self, user: Any) -> bool:
        confirmed = getattr(user, "email_confirmed_at", None) is not None
        return super().user_can_authenticate(user) and confirmed


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check of failed sign-ins, for every sign-in that comes with a web request.

    A sign-in without a request (code's own ``authenticate()``, the test client's ``login()``)
    cannot come from a guesser, so it is not counted rather than refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
