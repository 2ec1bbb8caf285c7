"""Consultations with the center's experts: who receives, on what, where and when, and bookings.

Free slots are never stored: they are computed from the rules here (``slots.py``). What a booking
holds is stored as ``SlotUnit`` rows — one per grid step of the meeting and its buffers, for the
expert and, in person, for the room — under a unique constraint, and as ``Claim`` rows for the
limits (daily quota, active bookings per applicant and per organisation), each an ordinal under
a unique constraint. Two bookings that would share a unit or exceed a limit cannot both commit:
the database decides, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stroydesk.accounts.models import Applicant
from stroydesk.cases.models import Request
from stroydesk.directory.models import Topic


class Format(models.TextChoices):
    """How a consultation is held."""

    ONLINE = "online", _("online")
    IN_PERSON = "in_person", _("in person")


class Office(models.Model):
    """A place where in-person consultations are held."""

    name = models.CharField(
        pgettext_lazy("consultations", "name"),
        max_length=200,
        help_text=_("As shown to applicants."),
    )
    address = models.CharField(_("address"), max_length=300, help_text=_("Street address."))
    what_to_bring = models.TextField(
        _("what to bring"),
        blank=True,
        help_text=_("Told to applicants in the confirmation: documents, a pass, an ID."),
    )

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    """A room of an office: a resource that two meetings at once cannot share."""

    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="rooms",
        help_text=_("Where the room is."),
    )
    name = models.CharField(_("room"), max_length=100, help_text=_("Number or name of the room."))

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = pgettext_lazy("consultations", "rooms")
        ordering = ["office__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="consultations_room_unique")
        ]

    def __str__(self) -> str:
        return f"{self.office}, {self.name}"


class Subject(models.Model):
    """What a consultation is about, with the booking rules of that subject."""

    code = models.SlugField(_("code"), max_length=60, unique=True, help_text=_("Used in the API."))
    title = models.CharField(_("title"), max_length=200, help_text=_("As shown to applicants."))
    topic = models.ForeignKey(
        Topic,
        verbose_name=pgettext_lazy("consultations", "topic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The topic of the directory the outcome request is filed under."),
    )
    online = models.BooleanField(_("online"), default=True, help_text=_("Offered online."))
    in_person = models.BooleanField(
        _("in person"), default=False, help_text=_("Offered in an office.")
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration, minutes"), default=30, help_text=_("A multiple of the slot grid.")
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before, minutes"), default=0, help_text=_("The expert keeps it free.")
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("buffer after, minutes"), default=0, help_text=_("The expert keeps it free.")
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice, minutes"),
        default=120,
        help_text=_("How long before the start a booking is still accepted."),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("horizon, days"), default=30, help_text=_("How many days ahead one may book.")
    )
    daily_quota = models.PositiveSmallIntegerField(
        _("daily quota per expert"),
        default=8,
        help_text=_("At most this many consultations of the subject per expert and day."),
    )
    max_active_per_applicant = models.PositiveSmallIntegerField(
        _("active bookings per applicant"),
        default=1,
        help_text=_("At most this many upcoming bookings of the subject per applicant."),
    )
    max_active_per_organisation = models.PositiveSmallIntegerField(
        _("active bookings per organisation"),
        default=3,
        help_text=_("At most this many upcoming bookings of the subject per ИНН."),
    )
    is_active = models.BooleanField(_("in use"), default=True, help_text=_("Offered for booking."))
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("consultations", "sort order"), default=0, help_text=_("Order.")
    )

    class Meta:
        verbose_name = _("consultation subject")
        verbose_name_plural = _("consultation subjects")
        ordering = ["position", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="consultations_subject_duration"
            ),
            models.CheckConstraint(
                condition=Q(daily_quota__gt=0)
                & Q(max_active_per_applicant__gt=0)
                & Q(max_active_per_organisation__gt=0),
                name="consultations_subject_limits",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # Held time is counted in quarter-hour steps (``slots.GRID``).
        for name in ("duration_minutes", "buffer_before_minutes", "buffer_after_minutes"):
            if getattr(self, name) % 15:
                raise ValidationError({name: [_("Use a multiple of 15 minutes.")]})
        if not (self.online or self.in_person):
            raise ValidationError({"online": [_("Offer at least one format.")]})

    @property
    def formats(self) -> list[str]:
        return [
            f for f, on in ((Format.ONLINE, self.online), (Format.IN_PERSON, self.in_person)) if on
        ]


class Expert(models.Model):
    """A member of the center's staff who holds consultations (an operator or supervisor, so
    that the outcome can be filed and closed as a request of the center)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="expert",
        help_text=_("The staff account of the expert."),
    )
    title = models.CharField(
        _("position"), max_length=200, blank=True, help_text=_("Shown to applicants.")
    )
    subjects = models.ManyToManyField(
        Subject,
        verbose_name=_("subjects"),
        related_name="experts",
        help_text=_("What the expert consults on."),
    )
    online = models.BooleanField(_("online"), default=True, help_text=_("Holds online meetings."))
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="experts",
        help_text=_("Where the expert receives in person; empty: online only."),
    )
    is_active = models.BooleanField(
        pgettext_lazy("consultations", "active"), default=True, help_text=_("Takes bookings.")
    )

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["user__last_name", "user__username"]

    def __str__(self) -> str:
        return self.user.display_name

    def clean(self) -> None:
        # The outcome is filed and closed as a request of the center by the expert.
        if self.user_id and self.user.role not in ("operator", "supervisor"):
            raise ValidationError({"user": [_("An expert is an operator or a supervisor.")]})

    def offers(self, fmt: str) -> bool:
        return self.online if fmt == Format.ONLINE else self.room_id is not None


class WorkingHours(models.Model):
    """The expert's hours on a weekday, Moscow time, applied only on working days of the
    production calendar. Saturday and Sunday rows apply only to transferred working weekend
    days: an expert without such a row does not work them."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday (working Saturdays only)")
        SUNDAY = 6, _("Sunday (working Sundays only)")

    expert = models.ForeignKey(
        Expert,
        verbose_name=_("expert"),
        on_delete=models.CASCADE,
        related_name="hours",
        help_text=_("Whose hours."),
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, help_text=_("Day of the week.")
    )
    start = models.TimeField(pgettext_lazy("consultations", "from"), help_text=_("Moscow time."))
    end = models.TimeField(pgettext_lazy("consultations", "to"), help_text=_("Moscow time."))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["expert", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="consultations_hours_order"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="consultations_hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and (value.minute % 15 or value.second):
                raise ValidationError({name: [_("Use a time on the quarter hour.")]})


class Absence(models.Model):
    """A time the expert is away (leave, sick leave, training): no slots inside it."""

    expert = models.ForeignKey(
        Expert,
        verbose_name=_("expert"),
        on_delete=models.CASCADE,
        related_name="absences",
        help_text=_("Who is away."),
    )
    start = models.DateTimeField(
        pgettext_lazy("consultations", "from"), help_text=_("Start of the absence.")
    )
    end = models.DateTimeField(
        pgettext_lazy("consultations", "to"), help_text=_("End of the absence.")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True, help_text=_("Optional."))

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["expert", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="consultations_absence_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert}: {self.start:%d.%m.%Y} – {self.end:%d.%m.%Y}"


class Booking(models.Model):
    """A consultation booked by an applicant with one expert at one time."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CANCELLED = "cancelled", pgettext_lazy("consultations", "cancelled")
        DONE = "done", _("held")
        NO_SHOW = "no_show", _("no-show")

    subject = models.ForeignKey(
        Subject,
        verbose_name=pgettext_lazy("consultations", "subject"),
        on_delete=models.PROTECT,
        related_name="bookings",
        help_text=_("What the consultation is about."),
    )
    expert = models.ForeignKey(
        Expert,
        verbose_name=_("expert"),
        on_delete=models.PROTECT,
        related_name="bookings",
        help_text=_("Who holds it."),
    )
    format = models.CharField(
        _("format"), max_length=20, choices=Format.choices, help_text=_("Online or in person.")
    )
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
        help_text=_("In person only."),
    )
    applicant = models.ForeignKey(
        Applicant,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="consultations",
        help_text=_("Who comes."),
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The signed-in user who booked."),
    )
    inn = models.CharField(
        _("ИНН"), max_length=12, blank=True, help_text=_("The organisation's, when a developer.")
    )
    start = models.DateTimeField(_("start"), db_index=True, help_text=_("Start of the meeting."))
    end = models.DateTimeField(_("end"), help_text=_("End of the meeting."))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.BOOKED,
        help_text=_("Where the booking is in its life."),
    )
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Grows with each step; compare-and-set.")
    )
    code = models.CharField(
        _("code"), max_length=32, unique=True, help_text=_("Random; names the meeting room.")
    )
    meeting_url = models.URLField(_("meeting link"), blank=True, help_text=_("Online only."))
    question = models.TextField(_("question"), help_text=_("What the applicant wants to discuss."))
    plan_id = models.PositiveIntegerField(
        _("plan"), null=True, blank=True, help_text=_("A saved procedures plan of the applicant.")
    )
    plan_url = models.URLField(
        _("plan link"), blank=True, max_length=500, help_text=_("Where the plan can be opened.")
    )
    request = models.ForeignKey(
        Request,
        verbose_name=_("attached request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("One of the applicant's requests, to discuss."),
    )
    outcome = models.TextField(
        pgettext_lazy("consultations", "outcome"), blank=True, help_text=_("The expert's notes.")
    )
    outcome_request = models.ForeignKey(
        Request,
        verbose_name=_("outcome request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The closed request that keeps the outcome in the center's history."),
    )
    reminded_day_before = models.BooleanField(
        _("reminded the day before"), default=False, help_text=_("Set by the reminder job.")
    )
    reminded_hour_before = models.BooleanField(
        _("reminded an hour before"), default=False, help_text=_("Set by the reminder job.")
    )
    created_at = models.DateTimeField(
        pgettext_lazy("consultations", "created at"), auto_now_add=True
    )

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["expert", "start"], name="consultations_expert_start"),
            models.Index(fields=["applicant", "-start"], name="consultations_applicant"),
            models.Index(fields=["status", "start"], name="consultations_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="consultations_booking_order"
            ),
            models.CheckConstraint(
                condition=Q(format=Format.ONLINE, room__isnull=True)
                | Q(format=Format.IN_PERSON, room__isnull=False),
                name="consultations_booking_room",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.start:%d.%m.%Y %H:%M}"


class BookingHistory(models.Model):
    """One step of a booking (who, when, from, to); appended, never changed."""

    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        related_name="history",
        help_text=_("Which booking."),
    )
    action = models.CharField(_("action"), max_length=30, help_text=_("The step taken."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for a job or a personal link."),
    )
    at = models.DateTimeField(_("when"), help_text=_("When the step was taken."))
    from_status = models.CharField(
        pgettext_lazy("consultations", "from"), max_length=20, blank=True, help_text=_("Before.")
    )
    to_status = models.CharField(
        pgettext_lazy("consultations", "to"), max_length=20, blank=True, help_text=_("After.")
    )
    data = models.JSONField(_("details"), default=dict, blank=True, help_text=_("E.g. times."))

    class Meta:
        verbose_name = _("booking step")
        verbose_name_plural = _("booking history")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.action}"


class SlotUnit(models.Model):
    """One grid step of a resource (an expert, a room) held by a booking. The unique constraint
    is what makes a double booking impossible; the rows go when the booking frees the time."""

    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        related_name="units",
        help_text=_("Who holds the step."),
    )
    resource = models.CharField(
        _("resource"), max_length=40, help_text=_("«expert:<id>» or «room:<id>».")
    )
    start = models.DateTimeField(_("start"), help_text=_("Start of the grid step."))

    class Meta:
        verbose_name = _("held slot step")
        verbose_name_plural = _("held slot steps")
        constraints = [
            models.UniqueConstraint(fields=["resource", "start"], name="consultations_unit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.start:%Y-%m-%d %H:%M}"


class Claim(models.Model):
    """One place of a limited count (a day's quota of an expert, an applicant's or an
    organisation's active bookings), held by a booking: ``ordinal`` runs 1..limit under a unique
    constraint, so the count can never pass the limit whatever runs at once."""

    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        related_name="claims",
        help_text=_("Who holds the place."),
    )
    key = models.CharField(_("limit"), max_length=80, help_text=_("What is counted."))
    ordinal = models.PositiveSmallIntegerField(_("place"), help_text=_("1..limit."))

    class Meta:
        verbose_name = _("held place of a limit")
        verbose_name_plural = _("held places of limits")
        constraints = [
            models.UniqueConstraint(fields=["key", "ordinal"], name="consultations_claim_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} #{self.ordinal}"
