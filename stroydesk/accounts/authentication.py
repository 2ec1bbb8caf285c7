"""How the REST API checks its keys: ``Authorization: Token <key>`` of a live key
(``accounts.tokens``) of an active account with a confirmed e-mail, within the key's scope.

A key is looked up by its hash and never passes through the login backend
(``accounts/backends.py``), so a key issued while the e-mail was confirmed would keep working
after an administrator clears ``email_confirmed_at``. This class applies the same rule.

The scope is checked here rather than in each view's permissions: views choose their own
permission classes (some let anonymous callers in), and a read-only key must not write through
any of them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from stroydesk.accounts.models import ApiToken
from stroydesk.accounts.tokens import api_token_find

KEYWORD = "Token"


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>``: the key's user, and the key as ``request.auth``."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as: Authorization: Token <key>."), code="malformed"
            )
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                _("The key is unknown, expired or revoked. Get a new one."), code="invalid"
            ) from None
        token = api_token_find(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("The key is unknown, expired or revoked. Get a new one."), code="invalid"
            )
        user = token.user
        if getattr(user, "email_confirmed_at", None) is None:
            raise exceptions.AuthenticationFailed(
                _(
                    "This account's e-mail is not confirmed, so its API token does not work. "
                    "Confirm the e-mail by the link mailed to it, then try again."
                ),
                code="email_unconfirmed",
            )
        if token.scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(
                _("This key may only read. Make a key with the write scope to change anything."),
                code="scope",
            )
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes the key (drf-spectacular finds it by the class)."""

    target_class = "stroydesk.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <key> (POST /api/v1/auth/token/ makes one)",
        }
