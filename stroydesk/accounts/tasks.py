"""Background jobs of accounts: the letter that confirms the e-mail given at sign-up, and the
daily removal of sign-ups never confirmed.

The letter goes with Django's ``send_mail``, as the password reset does, and not through
``channels.outbound``: that log keeps every letter's body, and this one carries a link that
confirms the account.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from stroydesk.accounts import services
from stroydesk.accounts.models import User

LANGUAGES = ("ru", "en")


@db_task(retries=5, retry_delay=30)
def signup_confirmation_send(user_id: int) -> None:
    """Mail the confirmation link to the account, if it still waits for one.

    The link is made here, when the letter goes: the queue holds the account's id and nothing
    that would confirm it, and the link's days count from the sending. An account confirmed,
    blocked or deleted meanwhile gets nothing. A retry follows only a failed ``send_mail``, so
    a second letter is rare, and harmless: either link confirms, once.
    """
    user = User.objects.filter(pk=user_id, email_confirmed_at__isnull=True, is_active=True).first()
    if user is None or not user.email:
        return
    context = {
        "user": user,
        "site_url": settings.SITE_URL.rstrip("/"),
        "uid": services.signup_confirmation_uid(user=user),
        "token": services.signup_confirmation_token(user=user),
        "days": services.EMAIL_CONFIRMATION_MAX_AGE.days,
    }
    # One letter in Russian and then English: we do not know the reader's language yet.
    subjects, bodies = [], []
    for language in LANGUAGES:
        with translation.override(language):
            subjects.append(render_to_string("emails/signup_confirm_subject.txt", context).strip())
            bodies.append(render_to_string("emails/signup_confirm.txt", context).strip())
    subject = " / ".join(dict.fromkeys(subjects))
    body = "\n\n— — —\n\n".join(bodies) + "\n"
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@db_periodic_task(crontab(hour="3", minute="17"))
@lock_task("accounts-purge-unconfirmed")
def unconfirmed_purge_periodic() -> None:
    """Every night: delete the sign-ups never confirmed (``manage.py purge_unconfirmed``)."""
    services.user_purge_unconfirmed()
