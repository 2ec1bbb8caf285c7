"""Queries about accounts."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password

from stroydesk.accounts.models import User


def user_awaiting_confirmation(*, username: str, password: str) -> User | None:
    """The account these credentials would open but for its unconfirmed e-mail, else None.

    The sign-in form asks this after a refusal, to say why and to offer a new link. Only the
    right password gets that answer, so a guesser learns nothing new.
    """
    user = User.objects.filter(
        username=username, email_confirmed_at__isnull=True, is_active=True
    ).first()
    # The hasher function, not ``user.check_password``: that one may re-hash and save.
    if user is not None and check_password(password, user.password):
        return user
    return None
