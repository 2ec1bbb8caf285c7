"""Letters about accounts and the tracking code: the e-mail confirmation, the password reset and
the one-time code to follow a request without an account. Each is made by a job, when it is sent
(the queue holds no link and no token), through the one outbound path; its text carries a
secret, so the log blanks it once sent.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from stroydesk.accounts import selectors as accounts
from stroydesk.accounts import services as account_services
from stroydesk.accounts.events import CONFIRMATION_REQUESTED, PASSWORD_RESET_REQUESTED
from stroydesk.cases import selectors as cases
from stroydesk.notifications.services import letter_send

TRACK_CODE_MINUTES = 15


def account_letter_send(*, kind: str, user_id: int, occurrence: str) -> bool:
    """The letter an ``AccountEvent`` asks for, once per occurrence. False when none is due any
    more (confirmed, blocked or deleted meanwhile, no e-mail)."""
    user = accounts.user_for_letter(user_id=user_id)
    if user is None or not user.email:
        return False
    site_url = settings.SITE_URL.rstrip("/")
    if kind == CONFIRMATION_REQUESTED:
        if user.email_confirmed_at is not None:
            return False
        context = {
            "user": user,
            "site_url": site_url,
            "uid": account_services.signup_confirmation_uid(user=user),
            "token": account_services.signup_confirmation_token(user=user),
            "days": account_services.EMAIL_CONFIRMATION_MAX_AGE.days,
        }
        template = "emails/signup_confirm"
    elif kind == PASSWORD_RESET_REQUESTED:
        context = {
            "user": user,
            "site_url": site_url,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }
        template = "emails/password_reset"
    else:
        raise ValueError(kind)
    return letter_send(
        key=f"{kind}:{user.pk}:{occurrence}",
        to=[user.email],
        template=template,
        context=context,
        event=kind,
        withhold_body=True,
    )


def track_code_letter_send(*, number: str, email: str, code: str, occurrence: str) -> bool:
    """Mail the one-time code to the e-mail a request was asked from, if the pair matches."""
    request_id = cases.request_id_for_tracking(number=number, email=email)
    if request_id is None:
        return False
    return letter_send(
        key=f"track_code:{request_id}:{occurrence}",
        to=[email.strip().lower()],
        template="emails/track_code",
        context={"number": number.strip().upper(), "code": code, "minutes": TRACK_CODE_MINUTES},
        event="track_code",
        request_id=request_id,
        withhold_body=True,
    )
