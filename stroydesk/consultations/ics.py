"""The calendar invitation (RFC 5545) sent with a booking's letters."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from stroydesk.consultations.models import Booking, Format


def booking_ics(booking: Booking, *, manage_link: str, cancelled: bool = False) -> bytes:
    """An invitation to the booking (or its cancellation): one VEVENT whose UID stays the same
    across reschedules and whose SEQUENCE grows with each step, so calendars update it."""
    calendar = Calendar()
    calendar.add("prodid", "-//stroydesk//consultations//RU")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"consultation-{booking.code}@stroydesk")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", _utc(booking.start))
    event.add("dtend", _utc(booking.end))
    event.add("sequence", booking.version)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", f"Консультация ЕКЦ: {booking.subject.title}")
    if booking.format == Format.ONLINE:
        event.add("location", booking.meeting_url)
        event.add("url", booking.meeting_url)
    elif booking.room is not None:
        event.add("location", f"{booking.room.office.address}, {booking.room.name}")
    event.add("description", f"{booking.question}\n\n{manage_link}")
    organizer = vCalAddress("mailto:" + (booking.expert.user.email or "ekc@stroydesk.local"))
    organizer.params["cn"] = vText(booking.expert.user.display_name)
    event["organizer"] = organizer
    if booking.applicant.email:
        attendee = vCalAddress("mailto:" + booking.applicant.email)
        attendee.params["cn"] = vText(booking.applicant.full_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return calendar.to_ical()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
