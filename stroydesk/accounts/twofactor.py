"""Two-factor sign-in of staff: an authenticator app's code (``accounts.totp``) after the
password, or one of ten one-time recovery codes kept as hashes.

Required of every role but the applicant's when ``settings.STAFF_2FA`` is on (production's
default); anyone who has set up an app is asked for its code even when it is off. The web's
session gate (``web.staff_session``) sends a signed-in user here until the session is marked
verified; the API's key endpoint asks for the code with the password.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import MutableMapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts import totp
from stroydesk.accounts.models import RecoveryCode, TotpDevice, User

ISSUER = "ЕКЦ"
RECOVERY_CODES = 10
# Wrong codes one account may enter before it waits (a six-digit code has a million values).
FAILURE_LIMIT = 5
FAILURE_WINDOW_SECONDS = 15 * 60
SESSION_KEY = "stroydesk_2fa_user"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def second_factor_required(user: Any) -> bool:
    """Whether this user must pass the second step before reaching any page."""
    if not getattr(user, "is_authenticated", False):
        return False
    if settings.STAFF_2FA and user.role != User.Role.APPLICANT:
        return True
    return second_factor_enrolled(user)


def second_factor_enrolled(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def session_verified(session: MutableMapping[str, Any], user: User) -> bool:
    return session.get(SESSION_KEY) == user.pk


def session_mark_verified(session: MutableMapping[str, Any], user: User) -> None:
    session[SESSION_KEY] = user.pk


def totp_enrolment_start(*, user: User) -> TotpDevice:
    """The app to set up: a new secret until a first code confirms it (then it stays)."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        return device
    if device is None:
        return TotpDevice.objects.create(user=user, secret=totp.random_secret())
    return device


def totp_uri(*, device: TotpDevice) -> str:
    return totp.otpauth_uri(device.secret, account=device.user.username, issuer=ISSUER)


def totp_enrolment_confirm(*, user: User, code: str, at: float | None = None) -> list[str]:
    """Take the first code from the newly set-up app; the recovery codes to show once."""
    _check_attempts(user)
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None or device.confirmed_at is not None:
            raise ValidationError(_("Start the set-up of the app again."))
        step = totp.matching_step(device.secret, code, at)
        if step is None:
            _count_failure(user)
            raise ValidationError(
                {"code": _("The code is not right. Check the phone's time and try a new code.")}
            )
        device.confirmed_at = timezone.now()
        device.last_step = step
        device.save(update_fields=["confirmed_at", "last_step"])
        return recovery_codes_renew(user=user)


def recovery_codes_renew(*, user: User) -> list[str]:
    """Ten new one-time codes (the old ones stop working): the only time they are shown."""
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_recovery_hash(user, code)) for code in codes
        )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def second_factor_verify(*, user: User, code: str, at: float | None = None) -> bool:
    """Whether this is a code of the user's app not taken before, or an unused recovery code
    (which is then spent). Too many wrong codes: ValidationError until the window passes."""
    _check_attempts(user)
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        return False  # nothing set up (or reset by an administrator): codes left are void
    step = totp.matching_step(device.secret, code, at)
    # The update succeeds once per step: the same code, seen twice, is refused the second time.
    if step is not None:
        fresh = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step)
        if fresh.update(last_step=step) == 1:
            return True
    normalized = "".join(ch for ch in code.lower() if ch.isalnum())
    if len(normalized) == 10:
        spent = RecoveryCode.objects.filter(
            user=user, code_hash=_recovery_hash(user, normalized), used_at__isnull=True
        ).update(used_at=timezone.now())
        if spent == 1:
            return True
    _count_failure(user)
    return False


def second_factor_reset(*, user: User) -> None:
    """Forget the user's app and recovery codes (a lost phone): they set it up again."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def enrolled_at(*, user: User) -> datetime | None:
    device = TotpDevice.objects.filter(user=user).first()
    return device.confirmed_at if device is not None else None


def second_factor_failures_forget(*, user: User) -> None:
    cache.delete(_failures_key(user))


def _recovery_hash(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.pk}:{code}".encode()).hexdigest()


def _failures_key(user: User) -> str:
    return f"accounts:2fa-failures:{user.pk}"


def _check_attempts(user: User) -> None:
    if (cache.get(_failures_key(user)) or 0) >= FAILURE_LIMIT:
        raise ValidationError(
            _("Too many wrong codes. Wait %(minutes)s minutes and try again.")
            % {"minutes": FAILURE_WINDOW_SECONDS // 60},
            code="locked",
        )


def _count_failure(user: User) -> None:
    key = _failures_key(user)
    # add() starts the window once; incr() keeps its expiry (both atomic in Redis).
    if not cache.add(key, 1, FAILURE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, FAILURE_WINDOW_SECONDS)
