"""The letters of a booking, each through ``notifications.services.letter_send`` once per
occurrence, with the calendar invitation attached."""

from __future__ import annotations

from typing import Any

from stroydesk.consultations.ics import booking_ics
from stroydesk.consultations.links import make_token
from stroydesk.consultations.models import Booking, Format
from stroydesk.consultations.slots import MOSCOW
from stroydesk.notifications.services import letter_send, site_link


def manage_link(booking: Booking) -> str:
    return site_link("consultations:manage", make_token(booking.pk))


def _context(booking: Booking) -> dict[str, Any]:
    return {
        "booking": booking,
        "start": booking.start.astimezone(MOSCOW),
        "end": booking.end.astimezone(MOSCOW),
        "online": booking.format == Format.ONLINE,
        "office": booking.room.office if booking.room is not None else None,
        "room": booking.room,
        "expert": booking.expert.user.display_name,
        "link": manage_link(booking),
        "my_link": site_link("consultations:mine"),
    }


def _send(booking: Booking, *, key: str, template: str, cancelled: bool = False) -> bool:
    context = _context(booking)
    invite = booking_ics(booking, manage_link=context["link"], cancelled=cancelled)
    return letter_send(
        key=key,
        to=[booking.applicant.email],
        template=f"emails/{template}",
        context=context,
        attachments=[("invite.ics", invite, "text/calendar")],
    )


def booked(booking: Booking) -> bool:
    return _send(booking, key=f"consultation-booked:{booking.pk}", template="consultation_booked")


def rescheduled(booking: Booking) -> bool:
    return _send(
        booking,
        key=f"consultation-rescheduled:{booking.pk}:{booking.version}",
        template="consultation_rescheduled",
    )


def cancelled(booking: Booking) -> bool:
    return _send(
        booking,
        key=f"consultation-cancelled:{booking.pk}",
        template="consultation_cancelled",
        cancelled=True,
    )


def reminder(booking: Booking, *, kind: str) -> int:
    key = f"consultation-reminder-{kind}:{booking.pk}:{booking.start.isoformat()}"
    context = {**_context(booking), "kind": kind}
    sent = letter_send(
        key=key,
        to=[booking.applicant.email],
        template="emails/consultation_reminder",
        context=context,
    )
    return int(sent)
