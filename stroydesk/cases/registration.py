"""Registration: a new request gets the next number of its year and its first history row.

One request (``request_register``, what every channel's intake calls) or a batch in one
transaction (``request_register_many``: an imported backlog, the demo generator's days). The
commands are re-exported by ``cases.services``, where callers find them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts.models import Applicant, User
from stroydesk.cases.attachments import CheckedFile
from stroydesk.cases.models import Attachment, History, Request
from stroydesk.cases.numbering import insert_numbered, next_number, next_numbers, number_text
from stroydesk.cases.search import search_text_for
from stroydesk.cases.steps import (
    atomic_step,
    attach,
    history_row,
    record_many,
    recorded,
    records_at_once,
)
from stroydesk.core.sql import insert, insert_many
from stroydesk.directory.models import Topic
from stroydesk.workcalendar import selectors as workdays

S = Request.Status
A = History.Action


def topic_check_active(topic: Topic) -> None:
    """A request is filed only under a topic still in use (registration and classification)."""
    if not topic.is_active:
        raise ValidationError({"topic": [_("This topic is no longer in use.")]})


# --- Registration ---------------------------------------------------------------------------


# No request of the center is older than this, whatever the calendar covers.
EARLIEST_YEAR = 2000


def _earliest_registration_year() -> int:
    years = workdays.covered_years()
    return max(EARLIEST_YEAR, years[0].year) if years else EARLIEST_YEAR


@dataclass(frozen=True)
class Registration:
    """One request of a batch for ``request_register_many`` (files go one by one, through
    ``request_register``)."""

    applicant: Applicant
    channel: str
    subject: str
    text: str
    topic: Topic | None = None
    address: str = ""
    cadastral_number: str = ""
    registered_at: datetime | None = None
    created_by: User | None = None


def request_register(
    *,
    applicant: Applicant,
    channel: str,
    subject: str,
    text: str,
    topic: Topic | None = None,
    address: str = "",
    cadastral_number: str = "",
    registered_at: datetime | None = None,
    created_by: User | None = None,
    attachments: Iterable[CheckedFile] = (),
) -> Request:
    """Register a request with the next number of its year; the files were checked already.

    Stored files are removed again if the transaction fails, so that a refused request leaves
    nothing behind.
    """
    now = timezone.now()
    request, data = _prepared(
        Registration(
            applicant=applicant,
            channel=channel,
            subject=subject,
            text=text,
            topic=topic,
            address=address,
            cadastral_number=cadastral_number,
            registered_at=registered_at,
            created_by=created_by,
        ),
        now=now,
    )
    stored: list[Attachment] = []
    try:
        with atomic_step():
            files = list(attachments)
            first = history_row(
                request,
                action=A.REGISTER,
                by=created_by,
                to_status=S.REGISTERED,
                at=request.registered_at,
                data=data,
            )
            # The usual request, without files, in one round trip where the database can.
            if not files and records_at_once() and insert_numbered(request, first):
                recorded(first)
            else:
                _numbered(request, next_number(year=request.year))
                insert(request)
                attach(request, files, stored)
                data["attachments"] = len(stored)
                first.request = request
                record_many([first])
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return request


def request_register_many(registrations: Sequence[Registration]) -> list[Request]:
    """Register a batch of requests in one transaction, numbered in the given order, under the
    same checks as ``request_register``: all or none. Three statements for the batch (the
    numbers of each year, the requests, their history) instead of three for each request: for
    importing a backlog, and for the demo-history generator's days."""
    now = timezone.now()
    prepared = [_prepared(registration, now=now) for registration in registrations]
    if not prepared:
        return []
    with atomic_step():
        by_year: dict[int, list[Request]] = {}
        for request, _data in prepared:
            by_year.setdefault(request.year, []).append(request)
        for year, requests in by_year.items():
            for request, number in zip(
                requests, next_numbers(year=year, count=len(requests)), strict=True
            ):
                _numbered(request, number)
        requests = [request for request, _data in prepared]
        insert_many(requests)  # keys read back in order, as bulk_create, without its compiler
        record_many(
            [
                history_row(
                    request,
                    action=A.REGISTER,
                    by=request.created_by,
                    to_status=S.REGISTERED,
                    at=request.registered_at,
                    data=data,
                )
                for request, data in prepared
            ]
        )
    return requests


def _prepared(registration: Registration, *, now: datetime) -> tuple[Request, dict[str, Any]]:
    """A checked request without its number yet, and its registration's history details."""
    registered_at = registration.registered_at or now
    if registered_at > now + timedelta(minutes=5):
        raise ValidationError({"registered_at": [_("The registration time is in the future.")]})
    earliest = _earliest_registration_year()
    if workdays.moscow_date(registered_at).year < earliest:
        # Numbers are per year and deadlines come from the production calendar: a request dated
        # before the calendar's first year (``ЕКЦ-1-000001``) is a typo or a forgery.
        raise ValidationError(
            {"registered_at": [_("The registration time is before %(year)s.") % {"year": earliest}]}
        )
    if registration.topic is not None:
        topic_check_active(registration.topic)
    request = Request(
        applicant=registration.applicant,
        channel=registration.channel,
        subject=registration.subject.strip(),
        text=registration.text.strip(),
        topic=registration.topic,
        address=registration.address.strip(),
        cadastral_number=registration.cadastral_number.strip(),
        registered_at=registered_at,
        created_by=registration.created_by,
        year=workdays.moscow_date(registered_at).year,
        number="-",
        sequence=0,
        search_text=search_text_for(subject=registration.subject, text=registration.text),
    )
    # Related rows were loaded by the caller and the number comes below: validate the fields only.
    request.full_clean(
        exclude=["number", "sequence", "year", "applicant", "topic", "created_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    data: dict[str, Any] = {"channel": registration.channel, "attachments": 0}
    if now - registered_at > timedelta(minutes=1):
        # A phone call typed in later, an imported letter: the history keeps the moment the
        # request came in, and says when it was entered.
        data["entered_at"] = now.isoformat()
    return request, data


def _numbered(request: Request, sequence: int) -> None:
    request.sequence = sequence
    request.number = number_text(year=request.year, sequence=sequence)
