"""Queries about accounts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet

from stroydesk.accounts.audit import access_naming
from stroydesk.accounts.models import Applicant, Consent, PersonalDataAccess, User
from stroydesk.accounts.validators import normalize_phone


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


def applicant_ids_matching(*, query: str) -> QuerySet:
    """Ids of applicants whose name, e-mail or phone matches a search of the center's staff.

    Every word of the query must be in the name ("сидоров пётр" finds «Сидоров Пётр Ильич»).
    A phone in any spelling is compared whole (its one stored spelling, +7XXXXXXXXXX); an e-mail
    whole (stored in lower case, indexed); a name by a part of it, in any case.
    """
    query = query.strip()
    condition = Q()
    with contextlib.suppress(ValidationError):
        condition |= Q(phone=normalize_phone(query))
    if "@" in query:
        condition |= Q(email=query.lower())
    elif len(query) >= 3:
        condition |= _name_contains(query)
    if not condition:
        return Applicant.objects.none().values_list("pk", flat=True)
    return Applicant.objects.filter(condition).values_list("pk", flat=True)


def _name_contains(query: str) -> Q:
    condition = Q()
    for word in query.split():
        if connection.vendor == "postgresql":
            condition &= Q(full_name__icontains=word)
        else:
            # SQLite's LIKE folds the case of ASCII letters only: names are Cyrillic.
            spellings = {word, word.lower(), word.upper(), word.lower().capitalize()}
            one = Q()
            for spelling in spellings:
                one |= Q(full_name__contains=spelling)
            condition &= one
    return condition


def applicant_export_data(*, applicant_id: int) -> dict[str, Any]:
    """What accounts keep about one applicant, for an export on request: the record, the login,
    the consents given (with the wording), and who among the staff read the data and when."""
    applicant = Applicant.objects.select_related("user").get(pk=applicant_id)
    user = applicant.user
    consents = Consent.objects.filter(applicant=applicant).select_related("text").order_by("id")
    reads = (
        PersonalDataAccess.objects.filter(access_naming(applicant.pk))
        .select_related("actor")
        .order_by("id")
    )
    return {
        "applicant": {
            "id": applicant.pk,
            "kind": applicant.kind,
            "full_name": applicant.full_name,
            "email": applicant.email,
            "phone": applicant.phone,
            "organisation_name": applicant.organisation_name,
            "inn": applicant.inn,
            "ogrn": applicant.ogrn,
            "created_at": applicant.created_at.isoformat(),
            "anonymised_at": (
                applicant.anonymised_at.isoformat() if applicant.anonymised_at else None
            ),
        },
        "account": None
        if user is None
        else {
            "username": user.username,
            "email": user.email,
            "last_name": user.last_name,
            "first_name": user.first_name,
            "middle_name": user.middle_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_confirmed_at": (
                user.email_confirmed_at.isoformat() if user.email_confirmed_at else None
            ),
        },
        "consents": [
            {
                "purpose": c.text.purpose,
                "version": c.text.version,
                "text": c.text.text,
                "given_at": c.given_at.isoformat(),
                "context": c.context,
            }
            for c in consents
        ],
        # Who read the data: the role, not the colleague's name (their own personal data).
        "accesses": [
            {"at": a.at.isoformat(), "role": a.actor.role, "context": a.context} for a in reads
        ],
    }
