"""Booking rules through the services: held time, limits, rooms, letters with .ics, cancel,
reschedule, outcome as a closed request, no-shows, reminders, and the step matrix."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from icalendar import Calendar

from stroydesk.accounts.models import User
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.cases.models import Request
from stroydesk.consultations import services
from stroydesk.consultations.lifecycle import LINK, TRANSITIONS, allowed_actions
from stroydesk.consultations.models import Booking, BookingHistory, Claim, SlotUnit
from stroydesk.consultations.slots import free_slots
from stroydesk.consultations.tests.conftest import at, details, make_expert

DAY = date(2026, 12, 15)  # a Tuesday


@pytest.fixture(autouse=True)
def english():
    """The refusals are read in English here (the site's default language is Russian)."""
    with translation.override("en"):
        yield


NOW = at(DAY - timedelta(days=3), 9)


def book(user, subject, start, fmt="online", expert=None, now=NOW, **kw):
    return services.booking_create(
        by=user,
        subject=subject,
        fmt=fmt,
        start=start,
        expert=expert,
        details=details(),
        now=now,
        **kw,
    )


def applicant(username):
    user = user_create(
        username=username,
        password="pass-for-tests-1",
        role=User.Role.APPLICANT,
        email=f"{username}@example.ru",
    )
    applicant_for_user(user=user)
    return user


def test_booking_holds_the_expert_steps_and_sends_an_ics_invitation(
    subject, expert, applicant_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(applicant_user, subject, at(DAY, 11))
    assert booking.status == "booked" and booking.end == at(DAY, 11, 30)
    # 11:00–11:30 and 15 minutes after: three quarter-hour steps of the expert.
    assert sorted(SlotUnit.objects.filter(booking=booking).values_list("start", flat=True)) == [
        at(DAY, 11),
        at(DAY, 11, 15),
        at(DAY, 11, 30),
    ]
    assert BookingHistory.objects.filter(booking=booking, action="book").count() == 1
    letter = mail.outbox[-1]
    assert letter.to == [applicant_user.email]
    _name, content, mime = next(a for a in letter.attachments if a[0] == "invite.ics")
    assert mime.startswith("text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at(DAY, 11)
    assert event.decoded("dtend") == at(DAY, 11, 30)
    assert str(event["location"]) == booking.meeting_url
    assert booking.code in str(event["uid"])
    assert "/consultations/manage/" in str(event["description"])


def test_the_same_slot_twice_is_refused_with_the_next_free_slots(
    subject, expert, applicant_user, other_applicant_user
):
    book(applicant_user, subject, at(DAY, 11))
    with pytest.raises(services.SlotTaken) as refused:
        book(other_applicant_user, subject, at(DAY, 11))
    assert refused.value.stage == "expert"
    assert refused.value.alternatives and refused.value.alternatives[0].start == at(DAY, 11, 45)
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (at(DAY - timedelta(days=5), 11), "past"),
        (at(date(2026, 12, 19), 11), "day off"),
        (at(DAY, 8), "working hours"),
        (at(DAY, 16, 45), "working hours"),
        (at(DAY, 11, 5), "quarter"),
    ],
)
def test_times_the_rules_never_allow_are_bad_input(subject, expert, applicant_user, start, message):
    with pytest.raises(ValidationError) as refused:
        book(applicant_user, subject, start)
    assert message in str(refused.value.message_dict["start"])
    assert Booking.objects.count() == 0 and SlotUnit.objects.count() == 0


def test_a_time_inside_a_buffer_is_refused(subject, expert, applicant_user, other_applicant_user):
    book(applicant_user, subject, at(DAY, 11))
    with pytest.raises(services.SlotTaken):
        book(other_applicant_user, subject, at(DAY, 11, 30))  # 11:30–11:45 is the buffer


def test_a_room_shared_by_two_experts_takes_one_meeting_at_a_time(
    subject, room, applicant_user, other_applicant_user
):
    first = make_expert("roomA", subjects=[subject], room=room)
    second = make_expert("roomB", subjects=[subject], room=room)
    book(applicant_user, subject, at(DAY, 11), fmt="in_person", expert=first)
    offered = free_slots(
        subject=subject, fmt="in_person", first=DAY, last=DAY, expert=second, now=NOW
    )
    assert at(DAY, 11) not in {s.start for s in offered}
    with pytest.raises(services.SlotTaken) as refused:
        book(other_applicant_user, subject, at(DAY, 11), fmt="in_person", expert=second)
    assert refused.value.stage == "room"
    # Online the second expert is free then; and the room is free again after the meeting.
    assert book(other_applicant_user, subject, at(DAY, 11), expert=second).format == "online"


def test_the_daily_quota_of_an_expert(subject, expert, applicant_user, other_applicant_user):
    subject.daily_quota = 1
    subject.save()
    book(applicant_user, subject, at(DAY, 11))
    assert all(
        s.start.date() != DAY
        for s in free_slots(subject=subject, fmt="online", first=DAY, last=DAY, now=NOW)
    )
    with pytest.raises(services.SlotTaken) as refused:
        book(other_applicant_user, subject, at(DAY, 14))
    assert refused.value.stage == "quota"
    assert book(other_applicant_user, subject, at(DAY + timedelta(days=1), 14))


def test_active_bookings_per_applicant_and_per_organisation(subject, expert, developer_user):
    subject.max_active_per_applicant = 1
    subject.max_active_per_organisation = 1
    subject.save()
    book(developer_user, subject, at(DAY, 11))
    with pytest.raises(services.SlotTaken) as refused:
        book(developer_user, subject, at(DAY, 14))
    assert refused.value.stage == "applicant"
    colleague = applicant("colleague")
    profile = colleague.applicant
    profile.kind, profile.organisation_name = "developer", "ООО «Стройка»"
    profile.inn, profile.ogrn = "7707083893", "1027700132195"
    profile.save()
    with pytest.raises(services.SlotTaken) as refused:
        book(colleague, subject, at(DAY, 14))
    assert refused.value.stage == "organisation"


def test_cancel_frees_the_slot_at_once(subject, expert, applicant_user, other_applicant_user):
    booking = book(applicant_user, subject, at(DAY, 11))
    services.booking_cancel(booking=booking, by=applicant_user, now=NOW)
    assert booking.status == "cancelled"
    assert not SlotUnit.objects.filter(booking=booking).exists()
    assert not Claim.objects.filter(booking=booking).exists()
    assert book(other_applicant_user, subject, at(DAY, 11)).status == "booked"


def test_reschedule_moves_the_held_time_and_refusal_changes_nothing(
    subject, expert, applicant_user, other_applicant_user, django_capture_on_commit_callbacks
):
    booking = book(applicant_user, subject, at(DAY, 11))
    other = book(other_applicant_user, subject, at(DAY, 14))
    with pytest.raises(services.SlotTaken):
        services.booking_reschedule(booking=booking, by=applicant_user, start=at(DAY, 14), now=NOW)
    booking.refresh_from_db()
    assert booking.start == at(DAY, 11) and SlotUnit.objects.filter(booking=booking).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.booking_reschedule(
            booking=booking, by=applicant_user, start=at(DAY, 15), now=NOW
        )
    assert moved.start == at(DAY, 15) and moved.version == 2
    assert book(applicant("third"), subject, at(DAY, 11)).start == at(DAY, 11)
    assert other.status == "booked"
    ics = next(a for a in mail.outbox[-1].attachments if a[0] == "invite.ics")[1]
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at(DAY, 15) and int(event["sequence"]) == 2


def test_another_applicant_may_not_touch_a_booking(
    subject, expert, applicant_user, other_applicant_user
):
    booking = book(applicant_user, subject, at(DAY, 11))
    with pytest.raises(PermissionDenied):
        services.booking_cancel(booking=booking, by=other_applicant_user, now=NOW)
    assert Booking.objects.get(pk=booking.pk).status == "booked"


def test_the_outcome_becomes_a_closed_consultation_request(subject, expert, applicant_user):
    booking = book(applicant_user, subject, at(DAY, 11))
    with pytest.raises(services.TransitionNotAllowed):
        services.booking_complete(booking=booking, by=expert.user, outcome="Итог", now=NOW)
    with time_machine.travel(at(DAY, 11, 40), tick=False):
        services.booking_complete(
            booking=booking, by=expert.user, outcome="Разъяснён порядок устранения замечаний."
        )
    booking.refresh_from_db()
    request = booking.outcome_request
    assert booking.status == "done"
    assert request.status == Request.Status.CLOSED
    assert request.channel == Request.Channel.CONSULTATION
    assert request.applicant == applicant_user.applicant
    assert request.topic == subject.topic
    assert request.answers.get().text == "Разъяснён порядок устранения замечаний."


def test_repeated_no_shows_stop_new_bookings(subject, expert, applicant_user, settings):
    settings.CONSULTATIONS_NO_SHOW_LIMIT = 2
    for hour in (11, 14):
        booking = book(applicant_user, subject, at(DAY, hour))
        services.booking_mark_no_show(booking=booking, by=expert.user, now=at(DAY, 18))
    with pytest.raises(services.Refused) as refused:
        book(applicant_user, subject, at(DAY + timedelta(days=1), 11), now=at(DAY, 18))
    assert "missed 2" in str(refused.value)


def test_reminders_are_sent_once_each(
    subject, expert, applicant_user, django_capture_on_commit_callbacks
):
    booking = book(applicant_user, subject, at(DAY, 11))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=at(DAY, 11) - timedelta(hours=20)) == 1
        assert services.reminders_send(now=at(DAY, 11) - timedelta(hours=19)) == 0
        assert services.reminders_send(now=at(DAY, 10, 10)) == 1
        assert services.reminders_send(now=at(DAY, 10, 20)) == 0
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 2
    booking.refresh_from_db()
    assert booking.reminded_day_before and booking.reminded_hour_before


def test_the_step_matrix():
    S = Booking.Status
    R = User.Role
    expected = {
        (S.BOOKED, R.APPLICANT): ["cancel", "reschedule", "details"],
        (S.BOOKED, LINK): ["cancel", "reschedule"],
        (S.BOOKED, R.OPERATOR): ["cancel", "reschedule", "complete", "no_show"],
        (S.BOOKED, R.SPECIALIST): [],
    }
    for status in S.values:
        for actor in [*R.values, LINK]:
            got = allowed_actions(status=status, actor=actor)
            if status != S.BOOKED:
                assert got == [], (status, actor)
            elif (status, actor) in expected:
                assert got == expected[(status, actor)]
    assert set(TRANSITIONS) == {"cancel", "reschedule", "details", "complete", "no_show"}


def test_a_finished_booking_refuses_every_step(subject, expert, applicant_user):
    booking = book(applicant_user, subject, at(DAY, 11))
    services.booking_cancel(booking=booking, by=applicant_user, now=NOW)
    for call in (
        lambda: services.booking_cancel(booking=booking, by=applicant_user, now=NOW),
        lambda: services.booking_mark_no_show(booking=booking, by=expert.user, now=at(DAY, 12)),
    ):
        with pytest.raises(services.TransitionNotAllowed):
            call()
    stale = Booking.objects.get(pk=booking.pk)
    stale.status, stale.version = "booked", 1
    with pytest.raises(services.BookingConcurrentChange):
        services.booking_cancel(booking=stale, by=applicant_user, now=NOW)


def test_a_begun_consultation_can_no_longer_be_cancelled_or_moved(subject, expert, applicant_user):
    booking = book(applicant_user, subject, at(DAY, 11))
    with pytest.raises(services.TransitionNotAllowed):
        services.booking_cancel(booking=booking, by=applicant_user, now=at(DAY, 11, 5))
    with pytest.raises(services.TransitionNotAllowed):
        services.booking_reschedule(
            booking=booking, by=applicant_user, start=at(DAY, 15), now=at(DAY, 11, 5)
        )
    booking.refresh_from_db()
    assert booking.status == "booked" and booking.start == at(DAY, 11)


def test_a_booking_made_the_same_day_gets_no_tomorrow_reminder(
    subject, expert, applicant_user, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(DAY, 8), tick=False):
        booking = book(applicant_user, subject, at(DAY, 11), now=at(DAY, 8))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=at(DAY, 8, 5)) == 0
        assert services.reminders_send(now=at(DAY, 10, 5)) == 1
    booking.refresh_from_db()
    assert booking.reminded_day_before and booking.reminded_hour_before
    assert len(mail.outbox) == 1
