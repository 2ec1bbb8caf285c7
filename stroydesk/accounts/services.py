"""Commands that change accounts: applicants, staff users, e-mail confirmation at sign-up, the
personal-data audit trail."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from stroydesk.accounts.audit import access_record
from stroydesk.accounts.events import (
    CONFIRMATION_REQUESTED,
    PASSWORD_RESET_REQUESTED,
    AccountEvent,
    account_events,
)
from stroydesk.accounts.models import ANONYMISED, Applicant, User
from stroydesk.accounts.validators import normalize_phone
from stroydesk.core.ratelimit import Limit, rate_limit_hit
from stroydesk.core.sql import Select, insert

log = logging.getLogger(__name__)

# How long a confirmation link works, and how often one address may ask for a new one.
EMAIL_CONFIRMATION_MAX_AGE = timedelta(days=3)
CONFIRMATION_RESEND_LIMIT = 3
CONFIRMATION_RESEND_WINDOW = timedelta(minutes=15)
CONFIRMATION_LETTERS = Limit(
    "confirmation-letter",
    CONFIRMATION_RESEND_LIMIT,
    int(CONFIRMATION_RESEND_WINDOW.total_seconds()),
)
# Reset letters to one address per quarter of an hour: the form cannot flood a mailbox.
PASSWORD_RESET_LETTERS = Limit("password-reset-letter", 3, 15 * 60)
_CONFIRMATION_SALT = "stroydesk.accounts.email-confirmation"


def applicant_create(
    *,
    full_name: str,
    email: str = "",
    phone: str = "",
    kind: str = Applicant.Kind.RESIDENT,
    organisation_name: str = "",
    inn: str = "",
    ogrn: str = "",
    user: User | None = None,
) -> Applicant:
    """Create an applicant after full validation (check digits, phone format, developer fields)."""
    applicant = Applicant(
        kind=kind,
        full_name=full_name.strip(),
        email=email.strip().lower(),
        phone=normalize_phone(phone) if phone.strip() else "",
        organisation_name=organisation_name.strip(),
        inn=inn.strip(),
        ogrn=ogrn.strip(),
        user=user,
    )
    if not applicant.email and not applicant.phone and user is None:
        raise ValidationError({"email": [_("Give an e-mail or a phone number to answer to.")]})
    if applicant.kind == Applicant.Kind.DEVELOPER and not (
        applicant.organisation_name and applicant.inn and applicant.ogrn
    ):
        raise ValidationError(
            {"organisation_name": [_("A developer organisation needs its name, ИНН and ОГРН.")]}
        )
    # The database constraint repeats the check above; asking it here would cost a query.
    applicant.full_clean(exclude=["user"], validate_constraints=False)
    return insert(applicant)


@dataclass(frozen=True)
class Contact:
    """Who asks, as a channel knows them (a caller, an e-mail sender, a portal user's profile):
    the fields of ``applicant_create``."""

    full_name: str
    email: str = ""
    phone: str = ""
    kind: str = Applicant.Kind.RESIDENT
    organisation_name: str = ""
    inn: str = ""
    ogrn: str = ""


# Every registration by a channel asks these (compiled once, core.sql): a record without a
# login, or one whose account's e-mail is confirmed; for an unproven address, only the former.
_CONFIRMED = "({user_id} IS NULL OR {user__email_confirmed_at} IS NOT NULL)"
_KNOWN_VERIFIED = (
    Select(Applicant, _CONFIRMED + " AND {email} = %s", join="user", left=True),
    Select(Applicant, _CONFIRMED + " AND {phone} = %s", join="user", left=True),
)
_KNOWN_UNVERIFIED = (
    Select(Applicant, "{user_id} IS NULL AND {email} = %s"),
    Select(Applicant, "{user_id} IS NULL AND {phone} = %s"),
)


def applicant_for_contact(*, contact: Contact, verified: bool = True) -> Applicant:
    """The applicant known by this e-mail or phone, or a new one.

    A caller who has written before is the same applicant, so that an operator sees their
    other requests; the e-mail wins over the phone because it is verified by the channel.

    The record of an account whose e-mail is not confirmed yet is passed over: anybody can sign
    up with any address, and what the mailbox's owner sends must not be filed under a stranger's
    sign-up (where it would keep that account from expiring, ``user_purge_unconfirmed``). The
    owner's own unconfirmed sign-up gets the new record on confirmation
    (``applicant_link_earlier``).

    ``verified=False`` is for a channel that cannot prove the address or phone is the sender's
    own (an Open311 partner posting what its user typed, a letter whose sender the receiving
    mail server did not authenticate): anybody can type anybody's address there. What comes
    that way is never filed under a registered user's account, only under a record without a
    login, so that a stranger cannot put requests or words into someone's "My requests".
    """
    email = contact.email.strip().lower()
    normalized = normalize_phone(contact.phone) if contact.phone.strip() else ""
    by_email, by_phone = _KNOWN_VERIFIED if verified else _KNOWN_UNVERIFIED
    existing = None
    if email:
        existing = by_email.first(email)
    if existing is None and normalized:
        existing = by_phone.first(normalized)
    if existing is not None:
        return existing
    return applicant_create(**{**asdict(contact), "email": email, "phone": normalized})


def applicant_for_user(*, user: User) -> Applicant:
    """The applicant record of a signed-in applicant, created on first use."""
    try:
        return user.applicant
    except Applicant.DoesNotExist:
        pass
    with transaction.atomic():
        applicant, _ = Applicant.objects.get_or_create(
            user=user,
            defaults={
                "full_name": user.display_name,
                "email": (user.email or "").lower(),
            },
        )
    return applicant


def personal_data_access_record(*, actor: User, applicant: Applicant, context: str) -> None:
    """Note that a member of staff was shown an applicant's personal data (``audit``)."""
    access_record(actor=actor, applicants=[applicant], context=context)


def user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    email_confirmed: bool = True,
) -> User:
    """Create a login with one role; administrators also get Django's admin rights.

    ``password=None`` makes an account nobody can sign in to until a password is set.
    Accounts made by staff and commands are confirmed; the portal's sign-up passes
    ``email_confirmed=False`` and mails the link (``user_send_confirmation``).
    """
    user = User(
        username=username,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=role in {User.Role.ADMIN, User.Role.SUPERVISOR},
        is_superuser=role == User.Role.ADMIN,
        email_confirmed_at=timezone.now() if email_confirmed else None,
    )
    if password is None:
        user.set_unusable_password()  # a generated colleague nobody signs in as
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


# --- E-mail confirmation at sign-up ------------------------------------------------------------


def _confirmation_value(user: User) -> str:
    # Binds a link to this account and this address: a link mailed before the address changed
    # stops working. The address is hashed so that it does not travel in the link.
    return salted_hmac(_CONFIRMATION_SALT, f"{user.pk}:{user.email.lower()}").hexdigest()[:20]


def _signer() -> TimestampSigner:
    return TimestampSigner(salt=_CONFIRMATION_SALT)


def signup_confirmation_token(*, user: User) -> str:
    """The signed, time-stamped token of the link that confirms the user's e-mail."""
    return _signer().sign(_confirmation_value(user))


def signup_confirmation_uid(*, user: User) -> str:
    """The account's id as it appears in the confirmation link."""
    return urlsafe_base64_encode(force_bytes(user.pk))


def _refused(code: str) -> ValidationError:
    texts = {
        "invalid": _(
            "This confirmation link is wrong or incomplete. Open it from the letter as a whole, "
            "or ask for a new one."
        ),
        "expired": _("This confirmation link is too old. Ask for a new one."),
        "used": _("This link has been used already: your e-mail is confirmed. Sign in."),
    }
    return ValidationError(texts[code], code=code)


def user_confirmation_check(*, uidb64: str, token: str) -> User:
    """The account a sign-up link would confirm; raises ``ValidationError`` if it would not.

    Changes nothing, so the page that a GET of the link shows can refuse a bad link at once.
    The link works once and for ``EMAIL_CONFIRMATION_MAX_AGE``. It is refused with the code
    ``invalid`` (tampered, for another account, or the address changed since), ``used``
    (confirmed already) or ``expired``; the message says what to do next.
    """
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError):
        raise _refused("invalid") from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise _refused("invalid")
    signer = _signer()
    try:
        value = signer.unsign(token)
    except BadSignature:
        raise _refused("invalid") from None
    if not constant_time_compare(value, _confirmation_value(user)):
        raise _refused("invalid")
    if user.email_confirmed_at is not None:
        raise _refused("used")
    try:
        signer.unsign(token, max_age=EMAIL_CONFIRMATION_MAX_AGE)
    except SignatureExpired:
        raise _refused("expired") from None
    return user


def _email_confirm(user: User) -> bool:
    """Mark the account's e-mail confirmed and link its earlier record; False if it was already."""
    now = timezone.now()
    # One winner: two clicks on the same link, or a link and a password reset, cannot both
    # confirm (and link).
    won = User.objects.filter(pk=user.pk, email_confirmed_at__isnull=True).update(
        email_confirmed_at=now
    )
    if won != 1:
        return False
    user.email_confirmed_at = now
    applicant_link_earlier(user=user)
    return True


@transaction.atomic
def user_confirm_email(*, uidb64: str, token: str) -> User:
    """Confirm the e-mail a sign-up link was mailed to, and return the confirmed account.

    Refused as ``user_confirmation_check`` refuses. It does not sign anybody in: the person
    then signs in with their password, so a link that reaches someone else (sent on by the
    account's maker, or opened by a mail scanner) opens no session. The applicant's record of
    earlier requests, if any, becomes the account's (``applicant_link_earlier``).
    """
    user = user_confirmation_check(uidb64=uidb64, token=token)
    if not _email_confirm(user):
        # Deleted since the check (``user_purge_unconfirmed``), or confirmed by another click.
        raise _refused("used" if User.objects.filter(pk=user.pk).exists() else "invalid")
    return user


@transaction.atomic
def user_confirm_email_by_reset(*, user: User) -> bool:
    """Confirm the e-mail of an account whose password was just reset through the mailed link.

    The reset link reaches only the account's mailbox (Django's token binds it to the address
    too), so following it proves the address as the sign-up link does: someone who lost the
    sign-up letter, or whose link expired, is confirmed by resetting the password. True when
    this confirmed the address; False when it was confirmed already (nothing changes).
    """
    return _email_confirm(user)


# --- The applicant's earlier record ----------------------------------------------------------


class _LinkLost(Exception):
    """Another confirmation linked the earlier record first: undo this one's changes."""


def _take_blanks(earlier: Applicant, signed_up: Applicant) -> list[str]:
    """Copy into ``earlier`` what the sign-up said and it does not know; return those fields."""
    filled = [
        f for f in ("full_name", "phone") if not getattr(earlier, f) and getattr(signed_up, f)
    ]
    # A record made from an e-mail or a call is a resident by default, knowing no organisation.
    # A developer who signed up as one with ИНН and ОГРН tells more, so the record becomes the
    # developer's; organisation details staff entered are never replaced.
    if (
        earlier.kind == Applicant.Kind.RESIDENT
        and signed_up.kind == Applicant.Kind.DEVELOPER
        and not (earlier.organisation_name or earlier.inn or earlier.ogrn)
    ):
        filled += ["kind", "organisation_name", "inn", "ogrn"]
    for field in filled:
        setattr(earlier, field, getattr(signed_up, field))
    return filled


def applicant_link_earlier(*, user: User) -> Applicant | None:
    """Give a confirmed applicant's account the record of the requests sent before signing up.

    Whoever wrote by e-mail or phoned before has an applicant record without a login. Once the
    account has proven that it reads the mailbox, the unlinked record with its address
    (whatever the case of the letters) becomes the account's, and those requests appear under
    "My requests". Only on confirmation, never at sign-up: an address not proven must not see
    anybody's requests. Returns the record linked now, or None.

    Of several such records, the oldest: it is the one ``applicant_for_contact`` files this
    address's letters under. (The others were typed in by staff; whoever reads the mailbox
    reads their answers anyway, but one account has one record.)

    The portal's sign-up makes the account a record of its own, with what was typed there. As
    the account has one record and the requests belong to cases, which stay where they were
    filed, the earlier record is linked and keeps its name and organisation, blanks taking the
    sign-up's values (``_take_blanks``); the sign-up's record, which can hold no request (its
    account could not sign in), is deleted. If staff did file a request under it, the delete is
    refused by cases' protection of its requests, and nothing is linked: which requests
    belong together is then for staff to decide.
    """
    if user.role != User.Role.APPLICANT or not user.email or user.email_confirmed_at is None:
        return None
    # Applicants' addresses are stored in lower case (``applicant_create``), as the intake files
    # mail under them: an exact match on the indexed column finds the same record.
    earlier = (
        Applicant.objects.filter(user__isnull=True, email=user.email.strip().lower())
        .order_by("created_at", "pk")
        .first()
    )
    if earlier is None:
        return None
    signed_up = Applicant.objects.filter(user=user).first()
    filled = _take_blanks(earlier, signed_up) if signed_up is not None else []
    if signed_up is None and not earlier.full_name:
        earlier.full_name = user.display_name
        filled.append("full_name")
    try:
        with transaction.atomic():
            if signed_up is not None:
                signed_up.delete()  # frees the one-to-one link for the earlier record
            # Conditional: a record linked meanwhile by someone else stays theirs.
            linked = Applicant.objects.filter(pk=earlier.pk, user__isnull=True).update(
                user=user, **{field: getattr(earlier, field) for field in filled}
            )
            if linked != 1:
                raise _LinkLost
    except (ProtectedError, RestrictedError):
        log.warning(
            "applicant %s: earlier record %s of the same e-mail left unlinked, "
            "the sign-up record has requests",
            signed_up.pk if signed_up else None,
            earlier.pk,
        )
        return None
    except _LinkLost:
        return None
    earlier.user = user
    return earlier


# --- Accounts never confirmed ----------------------------------------------------------------


def _unconfirmed_expired(cutoff: datetime) -> Q:
    # Abandoned sign-ups only: never signed in (an applicant whose confirmation an administrator
    # cleared has, and is not deleted for it), and no staff, not even one made unconfirmed.
    return Q(
        email_confirmed_at__isnull=True,
        last_login__isnull=True,
        date_joined__lt=cutoff,
        role=User.Role.APPLICANT,
        is_staff=False,
        is_superuser=False,
    )


def user_purge_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete sign-ups never confirmed ``UNCONFIRMED_ACCOUNT_DAYS`` after they were made.

    Anybody can sign up with an address that is not theirs; until the account goes, the owner
    hears "an account with this e-mail exists". Each account goes with its applicant record (the
    personal data typed at sign-up) in a transaction of its own, and is kept if anything still
    refers to it: a request of its record (cases protect their applicant and the users in
    their history from deletion) is the usual case. Asking that by deleting, rather than
    counting requests, keeps accounts below cases, which builds on it, and leaves no gap for a
    request filed between the count and the delete. Returns how many accounts were deleted.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.UNCONFIRMED_ACCOUNT_DAYS)
    expired = _unconfirmed_expired(cutoff)
    purged = 0
    for pk in list(User.objects.filter(expired).values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                # Locked and checked again: a confirmation that comes first keeps the account,
                # one that comes after finds it gone ("invalid link").
                user = User.objects.select_for_update().filter(expired, pk=pk).first()
                if user is None:
                    continue
                Applicant.objects.filter(user=user).delete()
                user.delete()
        except (ProtectedError, RestrictedError, IntegrityError):
            continue
        purged += 1
    if purged:
        log.info("accounts: %d sign-ups never confirmed deleted", purged)
    return purged


def user_send_confirmation(*, user: User) -> None:
    """Ask for the letter with the link that confirms the user's e-mail.

    Published as an ``AccountEvent`` heard after the commit, so that no letter goes out for an
    account that was rolled back; notifications renders and sends it by a job that gets the
    account's id only and makes the link when it sends: the queue never holds a link. Robust,
    so that a queue that cannot be reached leaves the account made and the person free to ask
    for the link again.
    """
    account_events.publish(AccountEvent(kind=CONFIRMATION_REQUESTED, user_id=user.pk))


def user_password_reset_request(*, email: str) -> None:
    """Ask for a password-reset letter to every active account with a usable password at this
    e-mail (as Django's reset form picks them). Nothing is said of whether there is one: the
    letter is made and sent by a job, so the answer takes the same time either way."""
    email = email.strip()
    # Counted whatever the address, and refused silently: the page says the same either way.
    if rate_limit_hit(limit=PASSWORD_RESET_LETTERS, who=email.lower()) is not None:
        log.info("accounts: password-reset letters to one address over the limit, none sent")
        return
    users = User.objects.filter(email__iexact=email, is_active=True)
    for user in users:
        if user.has_usable_password():
            account_events.publish(AccountEvent(kind=PASSWORD_RESET_REQUESTED, user_id=user.pk))


def confirmation_letter_allowed(*, email: str) -> bool:
    """Count one more confirmation letter to this address (a sign-up's or a resend's) in the
    current window, in the shared cache; False past the limit."""
    return rate_limit_hit(limit=CONFIRMATION_LETTERS, who=email.strip().lower()) is None


def user_resend_confirmation(*, email: str) -> bool:
    """Mail a new confirmation link if an account with this e-mail still waits for one.

    False when the address has asked ``CONFIRMATION_RESEND_LIMIT`` times in the current
    window. Asks are counted whether or not an account has the address, and the answer is the
    same either way, so that the form cannot tell which addresses have accounts.
    """
    email = email.strip().lower()
    if not confirmation_letter_allowed(email=email):
        return False
    user = User.objects.filter(
        username=email, email_confirmed_at__isnull=True, is_active=True
    ).first()
    if user is not None:
        user_send_confirmation(user=user)
    return True


# --- Retention and erasure ---------------------------------------------------------------------


@transaction.atomic
def applicant_anonymise(*, applicant: Applicant, erase_account: bool = False) -> bool:
    """Scrub the applicant's name and contacts; the kind stays (the statistics count by it).

    An applicant with a login keeps their record while the account lives (they still sign in
    and ask) unless ``erase_account``: an erasure on request, which also makes the login
    unusable and scrubs its name and address. The consents given stay: they prove the
    processing was lawful while it lasted. Returns whether the record was scrubbed.
    """
    applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
    user = applicant.user
    if user is not None and not erase_account:
        return False
    if user is not None:
        user.username = f"erased-{user.pk}"
        user.email = ""
        user.first_name = user.last_name = user.middle_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    Applicant.objects.filter(pk=applicant.pk).update(
        full_name=ANONYMISED,
        email="",
        phone="",
        organisation_name="",
        inn="",
        ogrn="",
        user=None,
        anonymised_at=timezone.now(),
    )
    return True
