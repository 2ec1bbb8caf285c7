"""The single entry point for a new request from any channel.

A channel (portal form, e-mail, phone, REST, Open311, in person) only parses what it received
and calls ``register_request()``: the applicant is matched or created, the files are checked,
and the request is registered by ``cases.services`` in one transaction, so that a request from
any channel is the same request under the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stroydesk.accounts import services as accounts
from stroydesk.accounts.models import User
from stroydesk.accounts.services import Contact
from stroydesk.cases import services as cases
from stroydesk.cases import steps
from stroydesk.cases.attachments import check_attachments
from stroydesk.cases.models import Request
from stroydesk.directory.models import Topic


@dataclass(frozen=True)
class IncomingFile:
    name: str
    size: int
    file: IO[bytes]


@dataclass(frozen=True)
class Intake:
    """A new request as received: what was asked, by whom, through which channel."""

    channel: str
    subject: str
    text: str
    topic: Topic | None = None
    address: str = ""
    cadastral_number: str = ""
    registered_at: datetime | None = None
    files: Sequence[IncomingFile] = field(default_factory=tuple)
    # False when the channel cannot prove that the contact's address is the sender's own
    # (Open311, an unauthenticated letter): the request then never lands in a user's account.
    contact_verified: bool = True


# Who may register a request on someone else's behalf.
ON_BEHALF_ROLES = frozenset({User.Role.OPERATOR, User.Role.SUPERVISOR, User.Role.ADMIN})


def register_request(
    *, intake: Intake, by: User | None = None, contact: Contact | None = None
) -> Request:
    """Register a request from any channel.

    ``by`` is the signed-in user: an applicant asking for themselves, or an operator typing in a
    caller's request (then ``contact`` says who the caller is). Channels without a user (e-mail,
    Open311) pass only ``contact``. Nothing is stored unless everything is valid.
    """
    if intake.channel not in Request.Channel.values:
        raise ValidationError(
            {"channel": [_("Unknown channel %(channel)r.") % {"channel": intake.channel}]}
        )
    checked = check_attachments([(f.name, f.size, f.file) for f in intake.files])
    on_behalf = by is not None and by.role != User.Role.APPLICANT
    if on_behalf and by is not None and by.role not in ON_BEHALF_ROLES:
        # An authority's specialist answers what the center escalated; typing in a caller's
        # request (any channel, back-dated) is the contact center's job.
        raise PermissionDenied(_("Your role does not allow this action."))
    if by is not None and not on_behalf and contact is not None:
        raise ValidationError({"applicant": [_("An applicant registers requests for themselves.")]})
    if (by is None or on_behalf) and contact is None:
        raise ValidationError({"applicant": [_("Say who the applicant is.")]})
    # One transaction, no savepoint inside it: on any error the whole registration rolls back,
    # so the inner steps need no partial rollback (two round trips fewer per request).
    with transaction.atomic(), steps.bulk():
        if contact is not None:
            applicant = accounts.applicant_for_contact(
                contact=contact, verified=intake.contact_verified
            )
        else:
            assert by is not None
            applicant = accounts.applicant_for_user(user=by)
        return cases.request_register(
            applicant=applicant,
            channel=intake.channel,
            subject=intake.subject,
            text=intake.text,
            topic=intake.topic,
            address=intake.address,
            cadastral_number=intake.cadastral_number,
            registered_at=intake.registered_at,
            created_by=by if on_behalf else None,
            attachments=checked,
        )
