"""Pages: the personal link (valid, forged, expired), booking from the portal, my bookings,
the experts' agenda, the outcome form, the supervisors' rates, and who may see what."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from stroydesk.consultations import services
from stroydesk.consultations.links import SALT, make_token
from stroydesk.consultations.models import Booking
from stroydesk.consultations.tests.conftest import at, details


def _book(user, subject, start):
    return services.booking_create(
        by=user, subject=subject, fmt="online", start=start, details=details()
    )


def test_the_personal_link_cancels_without_signing_in(
    client, applicant_user, subject, expert, soon
):
    booking = _book(applicant_user, subject, at(soon, 11))
    url = reverse("consultations:manage", args=[make_token(booking.pk)])
    page = client.get(url)
    assert page.status_code == 200 and subject.title in page.content.decode()
    response = client.post(url, {"action": "cancel"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.history.get(action="cancel").actor is None


def test_the_personal_link_reschedules(client, applicant_user, subject, expert, soon):
    booking = _book(applicant_user, subject, at(soon, 11))
    url = reverse("consultations:manage", args=[make_token(booking.pk)])
    client.post(url, {"action": "reschedule", "start": at(soon, 15).isoformat()})
    booking.refresh_from_db()
    assert booking.start == at(soon, 15)


def test_a_forged_or_expired_link_is_403_with_a_message(
    client, applicant_user, subject, expert, soon, settings
):
    booking = _book(applicant_user, subject, at(soon, 11))
    token = make_token(booking.pk)
    forged = signing.dumps({"b": booking.pk}, salt=SALT, key="not-the-site-key")
    for bad in (forged, token[:-3] + "abc", "garbage"):
        response = client.post(reverse("consultations:manage", args=[bad]), {"action": "cancel"})
        assert response.status_code == 403
        assert (
            "не работает" in response.content.decode()
            or "does not work" in response.content.decode()
        )
    later = at(soon, 0) + timedelta(days=settings.CONSULTATIONS_LINK_MAX_AGE_DAYS + 10)
    with time_machine.travel(later):
        response = client.post(reverse("consultations:manage", args=[token]), {"action": "cancel"})
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_booking_from_the_portal(client, applicant_user, subject, expert, soon):
    home = client.get("/")
    assert reverse("consultations:book") in home.content.decode()
    client.force_login(applicant_user)
    assert reverse("consultations:book") in client.get("/my/").content.decode()  # the menu
    page = client.get(
        reverse("consultations:book"),
        {"subject": subject.code, "format": "online", "tz": "Europe/Berlin"},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("consultations:confirm") in text and "Europe/Berlin" in text
    # 10:00 Moscow is 08:00 in Berlin in winter (CET, UTC+1).
    assert "10:00" in text and "(08:00)" in text
    start = at(soon, 11).isoformat()
    response = client.post(
        reverse("consultations:confirm"),
        {
            "subject": subject.code,
            "format": "online",
            "start": start,
            "expert": expert.pk,
            "question": "Как получить разрешение?",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.get()
    assert booking.question == "Как получить разрешение?"
    mine = client.get(reverse("consultations:mine"))
    assert subject.title in mine.content.decode()
    again = client.post(
        reverse("consultations:confirm"),
        {"subject": subject.code, "format": "online", "start": start, "question": "Ещё"},
    )
    assert again.status_code == 409


def test_another_applicants_booking_page_is_404(
    client, applicant_user, other_applicant_user, subject, expert, soon
):
    booking = _book(applicant_user, subject, at(soon, 11))
    client.force_login(other_applicant_user)
    assert client.get(reverse("consultations:detail", args=[booking.pk])).status_code == 404
    response = client.post(reverse("consultations:act", args=[booking.pk, "cancel"]))
    assert response.status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == "booked"


def test_the_expert_agenda_and_outcome(client, applicant_user, subject, expert, soon):
    booking = _book(applicant_user, subject, at(soon, 11))
    client.force_login(expert.user)
    page = client.get(reverse("consultations:agenda"), {"date": soon.isoformat()})
    assert page.status_code == 200 and booking.question in page.content.decode()
    with time_machine.travel(at(soon, 11, 40)):
        # Signed in again on the day: a staff session left idle since today has ended by then.
        client.force_login(expert.user)
        client.post(
            reverse("consultations:act", args=[booking.pk, "complete"]),
            {"outcome": "Даны разъяснения."},
        )
    booking.refresh_from_db()
    assert booking.status == "done" and booking.outcome_request is not None


def test_rates_are_for_supervisors_only(
    client, applicant_user, supervisor, operator, subject, expert, soon
):
    booking = _book(applicant_user, subject, at(soon, 11))
    with time_machine.travel(at(soon, 12)):
        services.booking_mark_no_show(booking=booking, by=expert.user)
    client.force_login(operator)
    assert client.get(reverse("consultations:rates")).status_code == 403
    with time_machine.travel(at(soon, 18)):
        client.force_login(supervisor)
        page = client.get(reverse("consultations:rates"))
    assert page.status_code == 200
    text = page.content.decode()
    assert subject.title in text and "100.0" in text.replace(",", ".")
    client.force_login(applicant_user)
    assert client.get(reverse("consultations:agenda")).status_code == 403


def test_the_russian_catalog_is_in_use(client):
    from django.utils import translation

    with translation.override("ru"):
        assert translation.gettext("Book a consultation") == "Записаться на консультацию"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    assert "Записаться на консультацию" in page.content.decode()


def test_the_applicant_adds_details_before_the_meeting(
    client, applicant_user, other_applicant_user, subject, expert, soon
):
    from stroydesk.cases.tests.factories import make_request

    own = make_request(applicant=applicant_user.applicant)
    foreign = make_request(applicant=other_applicant_user.applicant)
    booking = _book(applicant_user, subject, at(soon, 11))
    client.force_login(applicant_user)
    url = reverse("consultations:act", args=[booking.pk, "details"])
    client.post(
        url,
        {
            "question": "Уточнённый вопрос",
            "request": own.pk,
            "plan_id": 5,
            "plan_url": "https://example.ru/plans/5/",
        },
    )
    booking.refresh_from_db()
    assert booking.question == "Уточнённый вопрос" and booking.request == own
    assert booking.plan_id == 5 and booking.history.filter(action="details").exists()
    client.post(url, {"question": "Чужое", "request": foreign.pk})
    booking.refresh_from_db()
    assert booking.request == own and booking.question == "Уточнённый вопрос"
    page = client.get(reverse("consultations:detail", args=[booking.pk]))
    assert "Уточнённый вопрос" in page.content.decode()


def test_the_demo_offers_free_slots_on_the_coming_working_days(directory, db):
    from stroydesk.consultations.demo import demo_seed
    from stroydesk.consultations.models import Subject
    from stroydesk.consultations.slots import free_slots
    from stroydesk.demo.cases import demo_users

    demo_users()
    assert "2 consultation experts" in demo_seed()
    assert demo_seed() is None  # idempotent
    assert Booking.objects.count() == 2
    today = timezone.localdate()
    for subject in Subject.objects.all():
        found = free_slots(
            subject=subject, fmt="online", first=today, last=today + timedelta(days=7)
        )
        assert found, subject.code
