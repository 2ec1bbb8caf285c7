"""Pages of consultations: book (free days and times), my bookings, the personal link, the
experts' day agenda, and the supervisors' rates."""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.cases import selectors as cases_selectors
from stroydesk.consultations import selectors, services
from stroydesk.consultations.forms import (
    AgendaForm,
    BookForm,
    DetailsForm,
    OutcomeForm,
    PickForm,
    RescheduleForm,
)
from stroydesk.consultations.lifecycle import ACTION_LABELS
from stroydesk.consultations.links import LinkInvalid
from stroydesk.consultations.models import Booking
from stroydesk.consultations.slots import MOSCOW, Slot, free_slots, in_zone
from stroydesk.core.errors import Refused
from stroydesk.web.paging import newest_first_page
from stroydesk.web.views import (
    AuthedRequest,
    attach_errors,
    conflict,
    done,
    role_required,
    step,
)

R = User.Role
STAFF = (R.OPERATOR, R.SUPERVISOR, R.ADMIN)
CALENDAR_DAYS = 13


def calendar_of(slots: list[Slot], zone: str) -> list[dict[str, Any]]:
    """Free slots grouped by Moscow day, each time also in the applicant's zone if it differs."""
    days: OrderedDict[Any, list[dict[str, Any]]] = OrderedDict()
    for slot in slots:
        local = slot.start.astimezone(MOSCOW)
        own = in_zone(slot.start, zone) if zone and zone != "Europe/Moscow" else None
        other = own if own is not None and own.utcoffset() != local.utcoffset() else None
        # Formatted here: the template's date filter would turn it back into Moscow time.
        label = other.strftime("%H:%M") if other is not None else ""
        days.setdefault(local.date(), []).append(
            {"slot": slot, "moscow": local, "own": other, "own_label": label}
        )
    return [{"day": day, "times": times} for day, times in days.items()]


@role_required(R.APPLICANT)
def book(request: AuthedRequest) -> HttpResponse:
    """Choose a subject and format; see the free days and times of the coming weeks."""
    subjects = list(selectors.subject_list())
    form = PickForm(request.GET or None, subjects=subjects)
    context: dict[str, Any] = {"form": form, "subjects": subjects}
    if form.is_valid():
        subject = selectors.subject_get(code=form.cleaned_data["subject"])
        assert subject is not None  # the form's choices are the offered subjects
        today = timezone.localdate(timezone=MOSCOW)
        found = free_slots(
            subject=subject,
            fmt=form.cleaned_data["format"],
            first=today,
            last=today + timedelta(days=CALENDAR_DAYS),
        )
        context.update(subject=subject, days=calendar_of(found, form.cleaned_data["tz"]))
        context["zone"] = form.cleaned_data["tz"]
    return render(request, "consultations/book.html", context)


@role_required(R.APPLICANT)
def confirm(request: AuthedRequest) -> HttpResponse:
    """The chosen time: state the question, attach a plan or a request, and book."""
    data = request.POST if request.method == "POST" else request.GET
    own = cases_selectors.request_list_for(user=request.user)[:50]
    form = BookForm(data, requests=own)

    def rerender(f: BookForm, status: int = 200, **extra: Any) -> HttpResponse:
        return render(request, "consultations/confirm.html", {"form": f, **extra}, status=status)

    if request.method != "POST":
        form.is_valid()
        form.errors.clear()
        return rerender(form)

    def call(values: dict[str, Any]) -> Booking:
        subject = selectors.subject_get(code=values["subject"])
        expert = selectors.expert_get(pk=values["expert"]) if values.get("expert") else None
        if subject is None:
            raise ValidationError({"subject": [_("No such subject.")]})
        return services.booking_create(
            by=request.user,
            subject=subject,
            fmt=values["format"],
            start=values["start"],
            expert=expert,
            details=services.Details(
                question=values["question"],
                plan_id=values.get("plan_id"),
                plan_url=values.get("plan_url") or "",
                request_id=values.get("request"),
            ),
        )

    if not form.is_valid():
        return rerender(form, 422)
    try:
        call(form.cleaned_data)
    except services.SlotTaken as exc:
        return rerender(form, 409, taken=exc, alternatives=calendar_of(exc.alternatives, ""))
    except Refused as exc:
        return conflict(request, exc, reverse("consultations:book"))
    except ValidationError as exc:
        attach_errors(form, exc)
        return rerender(form, 422)
    success = _("The consultation is booked. The confirmation is in your mail.")
    return done(request, success, reverse("consultations:mine"))


@role_required(R.APPLICANT)
def mine(request: AuthedRequest) -> HttpResponse:
    """My bookings, newest first, with cancel and reschedule."""
    page = newest_first_page(
        selectors.booking_list_for(user=request.user), cursor=request.GET.get("cursor", "")
    )
    return render(request, "consultations/mine.html", {"page": page, "now": timezone.now()})


@role_required(R.APPLICANT, *STAFF)
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One booking: its details and history; the applicant's and the expert's steps."""
    booking = selectors.booking_get_for(user=request.user, pk=pk)
    return _booking_page(request, booking, by=request.user)


def _booking_page(
    request: HttpRequest, booking: Booking, *, by: User | None, token: str = ""
) -> HttpResponse:
    today = timezone.localdate(timezone=MOSCOW)
    alternatives = []
    if booking.status == Booking.Status.BOOKED and (by is None or by.role == R.APPLICANT):
        alternatives = calendar_of(
            free_slots(
                subject=booking.subject,
                fmt=booking.format,
                first=today,
                last=today + timedelta(days=CALENDAR_DAYS),
            ),
            "",
        )
    details_form = None
    if by is not None and by.role == R.APPLICANT and booking.status == Booking.Status.BOOKED:
        details_form = DetailsForm(
            initial={
                "question": booking.question,
                "request": booking.request_id,
                "plan_id": booking.plan_id,
                "plan_url": booking.plan_url,
            },
            requests=cases_selectors.request_list_for(user=by)[:50],
        )
    context = {
        "booking": booking,
        "details_form": details_form,
        "history": [
            (row, ACTION_LABELS.get(row.action, row.action))
            for row in selectors.booking_history(booking=booking)
        ],
        "alternatives": alternatives,
        "token": token,
        "outcome_form": OutcomeForm(),
        "is_staff": by is not None and by.role in STAFF,
        "started": booking.start <= timezone.now(),
    }
    return render(request, "consultations/detail.html", context)


@role_required(R.APPLICANT, *STAFF)
def act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """A step on a booking from its page: cancel, reschedule, outcome, no-show (POST)."""
    booking = selectors.booking_get_for(user=request.user, pk=pk)
    back = reverse("consultations:detail", args=[booking.pk])
    return _act(request, booking, action, by=request.user, back=back)


def manage(request: HttpRequest, token: str) -> HttpResponse:
    """The personal link from the letters: the booking, cancel and reschedule, no sign-in."""
    try:
        booking = selectors.booking_by_token(token=token)
    except LinkInvalid:
        return render(request, "consultations/link_invalid.html", status=403)
    if request.method == "POST":
        back = reverse("consultations:manage", args=[token])
        return _act(request, booking, request.POST.get("action", ""), by=None, back=back)
    return _booking_page(request, booking, by=None, token=token)


def _act(
    request: HttpRequest, booking: Booking, action: str, *, by: User | None, back: str
) -> HttpResponse:
    if request.method != "POST":
        return done(request, "", back)
    if action == "cancel":
        return step(
            request,
            call=lambda: services.booking_cancel(booking=booking, by=by),
            success=_("The consultation is cancelled."),
            back_to=back,
        )
    if action == "reschedule":
        form = RescheduleForm(request.POST)
        if not form.is_valid():
            return done(request, "", back)
        return step(
            request,
            call=lambda: services.booking_reschedule(
                booking=booking, by=by, start=form.cleaned_data["start"]
            ),
            success=_("The consultation is moved. The new invitation is in your mail."),
            back_to=back,
        )
    if action == "details" and by is not None:
        details = DetailsForm(request.POST, requests=cases_selectors.request_list_for(user=by)[:50])
        if not details.is_valid():
            messages.error(request, _("Check the details: %(errors)s") % {"errors": details.errors})
            return done(request, "", back)
        values = details.cleaned_data
        return step(
            request,
            call=lambda: services.booking_add_details(
                booking=booking,
                by=by,
                details=services.Details(
                    question=values["question"],
                    plan_id=values.get("plan_id"),
                    plan_url=values.get("plan_url") or "",
                    request_id=values.get("request"),
                ),
            ),
            success=_("The details are saved; the expert will read them before the meeting."),
            back_to=back,
        )
    if action == "no_show" and by is not None:
        return step(
            request,
            call=lambda: services.booking_mark_no_show(booking=booking, by=by),
            success=_("Marked as a no-show."),
            back_to=back,
        )
    if action == "complete" and by is not None:
        text = OutcomeForm(request.POST).data.get("outcome", "")
        return step(
            request,
            call=lambda: services.booking_complete(booking=booking, by=by, outcome=text),
            success=_("The outcome is recorded and filed as a closed request."),
            back_to=back,
        )
    return done(request, "", back)


@role_required(*STAFF)
def agenda(request: AuthedRequest) -> HttpResponse:
    """The expert's consultations of a day with the applicants' questions, plans, requests."""
    form = AgendaForm(request.GET or None)
    day = timezone.localdate(timezone=MOSCOW)
    if form.is_valid() and form.cleaned_data["date"]:
        day = form.cleaned_data["date"]
    bookings = selectors.agenda(user=request.user, day=day)
    return render(
        request,
        "consultations/agenda.html",
        {
            "form": form,
            "day": day,
            "bookings": bookings,
            "prev": day - timedelta(days=1),
            "next": day + timedelta(days=1),
        },
    )


@role_required(R.SUPERVISOR, R.ADMIN)
def rates(request: AuthedRequest) -> HttpResponse:
    """Utilisation and no-show rates per expert and subject over the last 90 days."""
    today = timezone.localdate(timezone=MOSCOW)
    first = today - timedelta(days=90)
    rows = selectors.rates(first=first, last=today)
    return render(
        request, "consultations/rates.html", {"rows": rows, "first": first, "last": today}
    )
