"""How the REST API checks its tokens: DRF's token authentication, closed to accounts with an
unconfirmed e-mail.

A token is looked up by its key and never passes through the login backend
(``accounts/backends.py``), so a token issued while the e-mail was confirmed would keep working
after an administrator clears ``email_confirmed_at``. This class applies the same rule.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ConfirmedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` of an active account with a confirmed e-mail."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if getattr(user, "email_confirmed_at", None) is None:
            raise exceptions.AuthenticationFailed(
                _(
                    "This account's e-mail is not confirmed, so its API token does not work. "
                    "Confirm the e-mail by the link mailed to it, then try again."
                ),
                code="email_unconfirmed",
            )
        return user, token
