"""Commands that change accounts: applicants, staff users, the personal-data audit trail."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stroydesk.accounts.models import Applicant, PersonalDataAccess, User
from stroydesk.accounts.validators import normalize_phone


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
    applicant.save()
    return applicant


def applicant_for_contact(
    *,
    full_name: str,
    email: str = "",
    phone: str = "",
    kind: str = Applicant.Kind.RESIDENT,
    organisation_name: str = "",
    inn: str = "",
    ogrn: str = "",
) -> Applicant:
    """The applicant known by this e-mail or phone, or a new one.

    A caller who has written before is the same applicant, so that an operator sees their
    other requests; the e-mail wins over the phone because it is verified by the channel.
    """
    email = email.strip().lower()
    normalized = normalize_phone(phone) if phone.strip() else ""
    existing = None
    if email:
        existing = Applicant.objects.filter(email=email).order_by("pk").first()
    if existing is None and normalized:
        existing = Applicant.objects.filter(phone=normalized).order_by("pk").first()
    if existing is not None:
        return existing
    return applicant_create(
        full_name=full_name,
        email=email,
        phone=normalized,
        kind=kind,
        organisation_name=organisation_name,
        inn=inn,
        ogrn=ogrn,
    )


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
    """Note that a member of staff was shown an applicant's personal data."""
    if actor.role == User.Role.APPLICANT:
        return
    PersonalDataAccess.objects.create(actor=actor, applicant=applicant, context=context[:100])


def user_create(
    *,
    username: str,
    password: str,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a login with one role; administrators also get Django's admin rights."""
    user = User(
        username=username,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=role in {User.Role.ADMIN, User.Role.SUPERVISOR},
        is_superuser=role == User.Role.ADMIN,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user
