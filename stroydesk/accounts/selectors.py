"""Queries about accounts."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.hashers import check_password
from django.db.models import QuerySet

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


def user_list_active(*, roles: Iterable[str]) -> QuerySet[User]:
    """Active users of these roles, by name: whom a piece of work can be handed to."""
    return User.objects.filter(is_active=True, role__in=list(roles)).order_by(
        "last_name", "first_name", "username"
    )


def user_get_active(*, roles: Iterable[str], key: str | int) -> User | None:
    """An active user of these roles by login, or by id (a number, or digits no login has)."""
    users = user_list_active(roles=roles)
    if isinstance(key, bool):  # JSON true is an int to Python, and no id
        return None
    if isinstance(key, int):
        return users.filter(pk=key).first()
    key = key.strip()
    if not key:
        return None
    found = users.filter(username=key).first()
    if found is None and key.isascii() and key.isdigit():
        found = users.filter(pk=int(key)).first()
    return found


def user_for_letter(*, user_id: int) -> User | None:
    """The active account a letter is about; None when it was blocked or deleted meanwhile."""
    return User.objects.filter(pk=user_id, is_active=True).first()
