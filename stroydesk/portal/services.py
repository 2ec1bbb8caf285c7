"""Commands of the portal that span accounts: signing up an applicant, and the tracking code.

Users and applicants are written by ``accounts.services``; this module only composes them and
keeps the one-time code of "track without an account" in the visitor's session.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from stroydesk.accounts import consents
from stroydesk.accounts import services as accounts
from stroydesk.accounts.models import Applicant, ConsentText, User
from stroydesk.cases import selectors as cases
from stroydesk.core.ratelimit import Limit, attempts_count, rate_limit_check, rate_limit_hit
from stroydesk.notifications import tasks as notification_tasks

TRACK_SESSION_KEY = "portal_track"
TRACK_CODE_TTL = timedelta(minutes=15)
TRACK_MAX_ATTEMPTS = 5
# Codes mailed to one address, and asked for one request, per quarter of an hour: a stranger
# cannot flood someone's mailbox, and each code asked is one more code to guess.
TRACK_LETTERS_PER_ADDRESS = Limit("track-letter", 3, 15 * 60)
TRACK_LETTERS_PER_NUMBER = Limit("track-letter-number", 3, 15 * 60)
# Guesses at one request's codes per hour, whatever the session: a guesser who asks for a new
# code in each new session still gets only these few tries.
TRACK_GUESSES_PER_NUMBER = Limit("track-guess", 10, 60 * 60)


@transaction.atomic
def applicant_sign_up(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    kind: str = Applicant.Kind.RESIDENT,
    phone: str = "",
    organisation_name: str = "",
    inn: str = "",
    ogrn: str = "",
    consent_version: str,
) -> User:
    """Create an applicant's login (the e-mail is the login) and their applicant record, with
    the consent to processing given on the form (the version of the wording shown).

    The account cannot sign in until the e-mail is confirmed by the link mailed, in the
    background, once the account is saved. An earlier record of this address (requests sent by
    e-mail or phone before) is not touched here, while the address is unproven: confirming
    links it to the account in place of the record made here
    (``accounts.services.applicant_link_earlier``).
    """
    email = email.strip().lower()
    user = accounts.user_create(
        username=email,
        password=password,
        role=User.Role.APPLICANT,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email_confirmed=False,
    )
    full_name = f"{user.last_name} {user.first_name}".strip()
    applicant = accounts.applicant_create(
        full_name=full_name,
        email=email,
        phone=phone,
        kind=kind,
        organisation_name=organisation_name if kind == Applicant.Kind.DEVELOPER else "",
        inn=inn if kind == Applicant.Kind.DEVELOPER else "",
        ogrn=ogrn if kind == Applicant.Kind.DEVELOPER else "",
        user=user,
    )
    consents.consent_record(
        applicant=applicant,
        purpose=ConsentText.Purpose.ACCOUNT,
        version=consent_version,
        context="sign-up",
    )
    # Queued for after the commit: no letter for an account that was rolled back. It counts
    # against the address's confirmation letters, like a resend.
    if accounts.confirmation_letter_allowed(email=email):
        accounts.user_send_confirmation(user=user)
    return user


def track_code_send(*, session: SessionBase, number: str, email: str) -> None:
    """Mail a one-time code for a request to the e-mail it was asked from.

    The page answers the same, and in the same time, whether or not the number and the e-mail
    match: the pair is looked up by the job that sends the letter (notifications), not here, so
    the form cannot be used to learn which requests exist or which e-mail asked them.

    Raises ``RateLimited`` when this address or this number asked for codes too often (counted
    whether or not they match, so the refusal says nothing either).
    """
    number = number.strip().upper()
    email = email.strip().lower()
    rate_limit_check(limit=TRACK_LETTERS_PER_ADDRESS, who=email)
    rate_limit_check(limit=TRACK_LETTERS_PER_NUMBER, who=number)
    code = f"{secrets.randbelow(10**6):06d}"
    session[TRACK_SESSION_KEY] = {
        "number": number,
        "email": email,
        "request_id": None,
        "code": make_password(code),
        "expires": (timezone.now() + TRACK_CODE_TTL).isoformat(),
        # Names this code's count of tries in the shared cache (not in the session, which
        # parallel requests each load with the same count).
        "attempt": uuid.uuid4().hex,
        "verified": False,
    }
    letter = partial(notification_tasks.track_code_letter, number, email, code, uuid.uuid4().hex)
    transaction.on_commit(letter, robust=True)


def track_code_check(*, session: SessionBase, code: str) -> bool:
    """Whether the code is right; a few wrong tries or an old code end the attempt.

    Tries are counted atomically in the shared cache, per mailed code and per request, before
    the code is compared: ten guesses sent at once with one session cookie are ten tries.
    """
    state = session.get(TRACK_SESSION_KEY)
    if not state or "attempt" not in state:
        return False
    expired = timezone.now() > datetime.fromisoformat(state["expires"])
    tries = attempts_count(
        name="track-try", who=state["attempt"], seconds=int(TRACK_CODE_TTL.total_seconds())
    )
    guessing = rate_limit_hit(limit=TRACK_GUESSES_PER_NUMBER, who=state.get("number", ""))
    if expired or tries > TRACK_MAX_ATTEMPTS or guessing is not None:
        session.pop(TRACK_SESSION_KEY, None)
        return False
    ok = check_password(code.strip(), state["code"])
    if ok:
        # Only a code that was mailed can be right, and it was mailed only for a matching pair.
        state["request_id"] = cases.request_id_for_tracking(
            number=state.get("number", ""), email=state.get("email", "")
        )
        ok = state["request_id"] is not None
    state["verified"] = ok
    session[TRACK_SESSION_KEY] = state
    return ok


def track_request_id(*, session: SessionBase) -> int | None:
    """The request this visitor proved they asked, while the code is fresh."""
    state = session.get(TRACK_SESSION_KEY)
    if not state or not state.get("verified"):
        return None
    if timezone.now() > datetime.fromisoformat(state["expires"]):
        return None
    return state["request_id"]
