"""Statistics' own tables: per-request facts and per-day rollups derived from the cases history.

Nothing here is typed by hand and nothing here is a source of truth. The facts restate, one row
per request, per escalation and per rating, what the cases tables say (on
which Moscow day it was received, first answered, first closed; whether it was escalated,
reopened; when each escalation was due and whether the authority answered in time). The rollups
sum those facts per day and per dimension, so that a report over a year reads a few hundred
thousand small rows instead of millions of requests. Both are rebuilt from the cases tables by
``stats.services`` (the periodic job and ``manage.py rebuild_rollups``); stats never writes the
cases tables.

Dimensions are stored as plain numbers, not foreign keys: a rollup row outlives renames and
must not stop an authority or a topic from being deleted. ``0`` means "none" (a request not yet
classified, or never escalated) so that the unique constraints hold on every database.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stroydesk.accounts.models import Applicant
from stroydesk.cases.models import Escalation, Rating, Request

NONE = 0  # the dimension value of "no topic" / "no authority"


class Dimensions(models.Model):
    """The dimensions every fact and rollup row is keyed by (abstract)."""

    channel = models.CharField(
        _("channel"), max_length=16, choices=Request.Channel.choices, help_text=_("How it came in.")
    )
    topic_id = models.PositiveIntegerField(
        _("topic"), default=NONE, help_text=_("Id of the request's topic; 0 when not classified.")
    )
    authority_id = models.PositiveIntegerField(
        _("authority"),
        default=NONE,
        help_text=_("Id of the authority (see each table); 0 when there is none."),
    )
    applicant_kind = models.CharField(
        _("applicant type"), max_length=16, choices=Applicant.Kind.choices
    )

    class Meta:
        abstract = True


class RequestFact(Dimensions):
    """What the history says about one request, reduced to the days the reports count it on.

    ``authority_id`` is the request's authority as stored on the request: the one it is (or was
    last) escalated to, 0 when it never was or was returned. Reopens do not move the first
    answer: a reopened request is counted in ``reopened`` instead.
    """

    request = models.OneToOneField(
        Request,
        verbose_name=_("request"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    registered_on = models.DateField(
        _("received on"), help_text=_("Moscow date of the registration time.")
    )
    escalated = models.BooleanField(
        _("escalated"), default=False, help_text=_("Handed to an authority at least once.")
    )
    answered_on = models.DateField(
        _("first answered on"),
        null=True,
        blank=True,
        help_text=_("Moscow date of the first answer sent to the applicant."),
    )
    closed_on = models.DateField(
        _("first closed on"),
        null=True,
        blank=True,
        help_text=_("Moscow date of the first closing."),
    )
    reopened = models.BooleanField(
        _("reopened"), default=False, help_text=_("Reopened by the applicant at least once.")
    )
    first_contact = models.BooleanField(
        _("first-contact resolution"),
        default=False,
        help_text=_("Answered by the center itself: never escalated and never reopened."),
    )

    class Meta:
        verbose_name = _("request fact")
        verbose_name_plural = _("request facts")
        indexes = [
            models.Index(fields=["registered_on"], name="stats_fact_registered"),
            models.Index(fields=["answered_on"], name="stats_fact_answered"),
            models.Index(fields=["closed_on"], name="stats_fact_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.registered_on}"


class EscalationFact(Dimensions):
    """What one escalation counts for: its due day for the 4-day promise and its answer time.

    ``authority_id`` is the escalation's authority. Only escalations that are open or answered
    and not paused for a clarification are held to their due moment (``due_on`` set): a
    reassigned one hands its due moment to the next authority, a returned one was not the
    authority's to answer. The stored due moment already includes the pauses.
    """

    escalation = models.OneToOneField(
        Escalation,
        verbose_name=_("escalation"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="+"
    )
    due_on = models.DateField(
        _("due on"),
        null=True,
        blank=True,
        help_text=_("Moscow date of the due moment; empty when not held to it."),
    )
    met = models.BooleanField(
        _("answered in time"), default=False, help_text=_("Answered at or before the due moment.")
    )
    answered_on = models.DateField(
        _("answered on"),
        null=True,
        blank=True,
        help_text=_("Moscow date of the authority's answer."),
    )
    answer_days = models.PositiveSmallIntegerField(
        _("answer time, working days"),
        null=True,
        blank=True,
        help_text=_("Working days after the day of escalation up to the day of the answer."),
    )

    class Meta:
        verbose_name = _("escalation fact")
        verbose_name_plural = _("escalation facts")
        indexes = [
            models.Index(fields=["due_on"], name="stats_escfact_due"),
            models.Index(fields=["answered_on"], name="stats_escfact_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.escalation_id} due {self.due_on}"


class RatingFact(Dimensions):
    """One applicant's mark (1–5) of an answer, on the Moscow day it was given (for CSAT).

    ``authority_id`` is the request's authority, as in ``RequestFact``.
    """

    rating = models.OneToOneField(
        Rating,
        verbose_name=_("rating"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="+"
    )
    rated_on = models.DateField(_("rated on"))
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        verbose_name = _("rating fact")
        verbose_name_plural = _("rating facts")
        indexes = [models.Index(fields=["rated_on"], name="stats_ratingfact_rated")]

    def __str__(self) -> str:
        return f"{self.rating_id}: {self.score}"


# A rollup row's key: one row per day (or month) and combination of dimensions.
ROLLUP_KEY = ["day", "channel", "topic_id", "authority_id", "applicant_kind"]


def rollup_meta(
    verbose_name: Any, verbose_name_plural: Any, key_name: str, *, key: list[str] = ROLLUP_KEY
) -> Any:
    """The Meta of a concrete rollup: its names and its unique key. The daily and the monthly
    table of a kind share their columns (the abstract base) and differ only here."""
    return type(
        "Meta",
        (),
        {
            "verbose_name": verbose_name,
            "verbose_name_plural": verbose_name_plural,
            "constraints": [models.UniqueConstraint(fields=key, name=key_name)],
        },
    )


class RequestCounts(Dimensions):
    """Requests of one Moscow day (or month) and one combination of dimensions (abstract).

    ``received`` and ``escalated`` count the requests received that day; ``answered``,
    ``first_contact`` and ``reopened`` the requests first answered that day; ``closed`` those
    first closed that day; ``ratings`` and ``rating_sum`` the applicants' marks given that day.
    ``authority_id`` is the request's authority (see ``RequestFact``).
    """

    day = models.DateField(_("day"), help_text=_("The day, or the first day of the month."))
    received = models.PositiveIntegerField(_("received"), default=0)
    escalated = models.PositiveIntegerField(_("escalated"), default=0)
    answered = models.PositiveIntegerField(_("answered"), default=0)
    closed = models.PositiveIntegerField(_("closed"), default=0)
    first_contact = models.PositiveIntegerField(_("first-contact resolutions"), default=0)
    reopened = models.PositiveIntegerField(_("reopened"), default=0)
    ratings = models.PositiveIntegerField(_("ratings"), default=0)
    rating_sum = models.PositiveIntegerField(_("sum of the ratings"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.topic_id} {self.authority_id}"


REQUEST_COUNTS = (
    "received",
    "escalated",
    "answered",
    "closed",
    "first_contact",
    "reopened",
    "ratings",
    "rating_sum",
)


class DailyRollup(RequestCounts):
    """Request counts per Moscow day (see ``RequestCounts``)."""

    Meta = rollup_meta(_("daily rollup"), _("daily rollups"), "stats_daily_rollup_key")


class MonthlyRollup(RequestCounts):
    """The daily rollups of a month summed up (``day`` is the 1st): whole months read 30× less."""

    Meta = rollup_meta(_("monthly rollup"), _("monthly rollups"), "stats_monthly_rollup_key")


class SlaCounts(Dimensions):
    """Escalations due on one Moscow day (or month) and how many were met (abstract).

    ``authority_id`` is the escalation's authority.
    """

    day = models.DateField(_("due day"), help_text=_("The day, or the first day of the month."))
    due = models.PositiveIntegerField(pgettext_lazy("stats", "due"), default=0)
    met = models.PositiveIntegerField(_("answered in time"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.authority_id}: {self.met}/{self.due}"


class SlaRollup(SlaCounts):
    """The 4-day promise per due day (see ``SlaCounts``)."""

    Meta = rollup_meta(
        _("4-day promise rollup"), _("4-day promise rollups"), "stats_sla_rollup_key"
    )


class SlaMonthlyRollup(SlaCounts):
    """The 4-day promise per due month (``day`` is the 1st)."""

    Meta = rollup_meta(
        _("monthly 4-day promise rollup"),
        _("monthly 4-day promise rollups"),
        "stats_sla_monthly_rollup_key",
    )


class AnswerTimeCounts(Dimensions):
    """How many authority answers of one Moscow day (or month) took so many working days.

    A histogram rather than an average, so that medians and the 90th percentile over any
    period are exact (abstract).
    """

    day = models.DateField(_("answer day"), help_text=_("The day, or the first day of the month."))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    answers = models.PositiveIntegerField(_("answers"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.authority_id}: {self.answers}×{self.working_days}"


ANSWER_TIME_KEY = [*ROLLUP_KEY, "working_days"]


class AnswerTimeRollup(AnswerTimeCounts):
    """Authority answer times per answer day (see ``AnswerTimeCounts``)."""

    Meta = rollup_meta(
        _("answer time rollup"),
        _("answer time rollups"),
        "stats_answer_time_rollup_key",
        key=ANSWER_TIME_KEY,
    )


class AnswerTimeMonthlyRollup(AnswerTimeCounts):
    """Authority answer times per answer month (``day`` is the 1st)."""

    Meta = rollup_meta(
        _("monthly answer time rollup"),
        _("monthly answer time rollups"),
        "stats_answer_time_monthly_rollup_key",
        key=ANSWER_TIME_KEY,
    )


class RollupState(models.Model):
    """The one row that says how far the rollups have read the history (and serialises rebuilds).

    Every rebuilding transaction locks this row first, so that two workers never interleave
    their deletes and inserts of the same day.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_history_id = models.BigIntegerField(
        _("last history entry read"),
        default=0,
        help_text=_("The rollups include every history entry up to this id."),
    )
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return f"history ≤ {self.last_history_id}"
