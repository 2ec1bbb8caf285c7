"""The applicant's earlier record (requests sent by e-mail or phone before signing up) becomes the
account's when the e-mail is confirmed, by the sign-up link or by a password reset; never
before, never for staff, and never someone else's."""

from __future__ import annotations

import uuid

import pytest

from stroydesk.accounts import services
from stroydesk.accounts.models import Applicant, User
from stroydesk.accounts.services import Contact
from stroydesk.cases.tests.factories import make_request

PASSWORD = "Stroy-2025-secret"
INN, OGRN = "7707083893", "1027700132195"


def _match(**fields: str):
    """The applicant a channel files a contact under."""
    return services.applicant_for_contact(contact=Contact(**fields))


def _email() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.ru"


def _unconfirmed(email: str, role: str = User.Role.APPLICANT) -> User:
    return services.user_create(
        username=email,
        password=PASSWORD,
        role=role,
        email=email,
        first_name="Пётр",
        last_name="Сидоров",
        email_confirmed=False,
    )


def _confirm(user: User) -> User:
    return services.user_confirm_email(
        uidb64=services.signup_confirmation_uid(user=user),
        token=services.signup_confirmation_token(user=user),
    )


def _record_of(user: User) -> Applicant | None:
    return Applicant.objects.filter(user=user).first()


@pytest.mark.django_db
def test_confirming_links_the_record_of_the_same_address_whatever_the_case():
    email = _email()
    # Typed in the admin with capitals: found all the same.
    earlier = Applicant.objects.create(full_name="Сидоров П. И.", email=email.upper())
    user = _unconfirmed(email)
    assert _record_of(user) is None

    _confirm(user)
    earlier.refresh_from_db()
    assert earlier.user == user
    # Its own name and kind stay: the record is what staff and the channel knew.
    assert earlier.full_name == "Сидоров П. И."
    assert earlier.kind == Applicant.Kind.RESIDENT


@pytest.mark.django_db
def test_nothing_is_linked_while_the_address_is_unproven():
    email = _email()
    earlier = _match(full_name="Сидоров", email=email)
    user = _unconfirmed(email)
    # Asked directly, before the confirmation, the rule still refuses.
    assert services.applicant_link_earlier(user=user) is None
    earlier.refresh_from_db()
    assert earlier.user is None


@pytest.mark.django_db
def test_of_several_records_the_oldest_is_linked():
    email = _email()
    oldest = _match(full_name="Сидоров", email=email)
    typed_by_staff = services.applicant_create(full_name="Сидоров Пётр", email=email)
    assert _match(full_name="x", email=email) == oldest
    user = _confirm(_unconfirmed(email))
    assert _record_of(user) == oldest
    typed_by_staff.refresh_from_db()
    assert typed_by_staff.user is None


@pytest.mark.django_db
def test_records_of_another_address_or_another_account_are_not_taken():
    email = _email()
    owner = services.user_create(
        username=_email(), password=PASSWORD, role=User.Role.APPLICANT, email=email
    )
    theirs = services.applicant_create(full_name="Владелец", email=email, user=owner)
    other = _match(full_name="Другой", email="x" + email)
    user = _confirm(_unconfirmed(email))
    assert _record_of(user) is None
    theirs.refresh_from_db()
    other.refresh_from_db()
    assert theirs.user == owner and other.user is None


@pytest.mark.django_db
def test_the_signup_record_gives_way_to_the_earlier_one_and_fills_its_blanks():
    email = _email()
    earlier = _match(full_name="Сидоров П.", email=email)
    user = _unconfirmed(email)
    signed_up = services.applicant_create(
        full_name="Сидоров Пётр",
        email=email,
        phone="+79160000001",
        kind=Applicant.Kind.DEVELOPER,
        organisation_name="ООО «Строй»",
        inn=INN,
        ogrn=OGRN,
        user=user,
    )
    _confirm(user)

    assert not Applicant.objects.filter(pk=signed_up.pk).exists()
    earlier.refresh_from_db()
    assert earlier.user == user
    assert earlier.full_name == "Сидоров П."  # known before: kept
    assert earlier.phone == "+79160000001"  # unknown before: from the sign-up
    # A resident by default, with no organisation: the developer's details are taken.
    assert (earlier.kind, earlier.organisation_name, earlier.inn, earlier.ogrn) == (
        Applicant.Kind.DEVELOPER,
        "ООО «Строй»",
        INN,
        OGRN,
    )


@pytest.mark.django_db
def test_what_staff_entered_is_never_replaced_by_the_signup():
    email = _email()
    earlier = services.applicant_create(
        full_name="Петров",
        email=email,
        phone="+79160000002",
        kind=Applicant.Kind.DEVELOPER,
        organisation_name="АО «Первый»",
        inn="500100732259",
        ogrn="304500116000157",
    )
    user = _unconfirmed(email)
    services.applicant_create(
        full_name="Сидоров",
        email=email,
        phone="+79160000001",
        kind=Applicant.Kind.DEVELOPER,
        organisation_name="ООО «Строй»",
        inn=INN,
        ogrn=OGRN,
        user=user,
    )
    _confirm(user)
    earlier.refresh_from_db()
    assert earlier.user == user
    assert (earlier.full_name, earlier.phone, earlier.organisation_name, earlier.inn) == (
        "Петров",
        "+79160000002",
        "АО «Первый»",
        "500100732259",
    )


@pytest.mark.django_db
def test_a_signup_record_holding_a_request_stays_and_nothing_is_linked():
    email = _email()
    earlier = _match(full_name="Сидоров", email=email)
    user = _unconfirmed(email)
    signed_up = services.applicant_create(full_name="Сидоров", email=email, user=user)
    filed = make_request(applicant=signed_up)  # staff filed a request under it

    _confirm(user)
    user.refresh_from_db()
    assert user.email_confirmed_at is not None  # the confirmation itself stands
    assert _record_of(user) == signed_up
    earlier.refresh_from_db()
    assert earlier.user is None
    filed.refresh_from_db()
    assert filed.applicant == signed_up


@pytest.mark.django_db
def test_staff_accounts_are_never_given_an_applicants_record():
    email = _email()
    earlier = _match(full_name="Сидоров", email=email)
    operator = _confirm(_unconfirmed(email, role=User.Role.OPERATOR))
    assert operator.email_confirmed_at is not None
    earlier.refresh_from_db()
    assert earlier.user is None


@pytest.mark.django_db
def test_mail_from_an_address_is_not_filed_under_a_strangers_unconfirmed_signup():
    email = _email()
    stranger = _unconfirmed(email)
    squatted = services.applicant_create(full_name="Чужой", email=email, user=stranger)
    # The owner of the mailbox writes: a record of their own, not the stranger's.
    written = _match(full_name="Владелец", email=email)
    assert written != squatted and written.user is None
    assert _match(full_name="x", phone="", email=email) == written


@pytest.mark.django_db
def test_once_confirmed_the_accounts_record_is_the_one_mail_is_filed_under():
    email = _email()
    user = _unconfirmed(email)
    mine = services.applicant_create(
        full_name="Сидоров", email=email, phone="+79160000003", user=user
    )
    _confirm(user)
    assert _match(full_name="Сидоров", email=email) == mine
    assert _match(full_name="Сидоров", phone="+79160000003") == mine


@pytest.mark.django_db
def test_a_password_reset_confirms_the_address_and_links_the_record():
    email = _email()
    earlier = _match(full_name="Сидоров", email=email)
    user = _unconfirmed(email)
    assert services.user_confirm_email_by_reset(user=user) is True
    user.refresh_from_db()
    first = user.email_confirmed_at
    assert first is not None
    earlier.refresh_from_db()
    assert earlier.user == user
    # A second reset changes nothing.
    assert services.user_confirm_email_by_reset(user=user) is False
    user.refresh_from_db()
    assert user.email_confirmed_at == first


@pytest.mark.django_db
def test_a_resident_record_with_an_organisation_typed_in_keeps_it():
    email = _email()
    earlier = services.applicant_create(
        full_name="Петров", email=email, organisation_name="ИП Петров"
    )
    user = _unconfirmed(email)
    services.applicant_create(
        full_name="Сидоров",
        email=email,
        kind=Applicant.Kind.DEVELOPER,
        organisation_name="ООО «Строй»",
        inn=INN,
        ogrn=OGRN,
        user=user,
    )
    _confirm(user)
    earlier.refresh_from_db()
    assert earlier.user == user
    assert (earlier.kind, earlier.organisation_name, earlier.inn) == ("resident", "ИП Петров", "")
