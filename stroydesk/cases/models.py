"""Requests (обращения), their append-only history, escalations to authorities and answers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CADASTRAL_NUMBER = RegexValidator(
    r"^\d{2}:\d{2}:\d{6,7}:\d{1,6}$",
    _("A cadastral number looks like 77:01:0001001:1234."),
)


# Requests not yet answered: the working set of the operators' queue. The one list of the open
# statuses: queues, counts, workload and the partial indexes below all read it.
OPEN_STATUSES = ["registered", "in_progress", "waiting_applicant", "escalated", "under_review"]
OPEN = Q(status__in=OPEN_STATUSES)


# The longest question a channel accepts (portal form and API alike), in characters: a
# request is read by a person, and an authority answers it within four working days.
QUESTION_MAX_LENGTH = 10000


class Request(models.Model):
    """One question of an applicant, from registration to the closed answer.

    The status changes only in ``cases.services``, by a compare-and-set on ``version``, and
    each change appends one ``History`` row in the same transaction.
    """

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING_APPLICANT = "waiting_applicant", _("Waiting for the applicant")
        ESCALATED = "escalated", _("Escalated to an authority")
        UNDER_REVIEW = "under_review", _("Authority's answer under review")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        API = "api", _("API")
        IN_PERSON = "in_person", _("In person")
        OPEN311 = "open311", _("Open311")
        CONSULTATION = "consultation", _("Consultation")

    number = models.CharField(
        _("number"),
        max_length=32,
        unique=True,
        help_text=_("Registration number, gap-free within a year, e.g. ЕКЦ-2021-000123."),
    )
    year = models.PositiveSmallIntegerField(_("year"), help_text=_("Year of registration."))
    sequence = models.PositiveIntegerField(_("sequence"), help_text=_("Number within the year."))
    applicant = models.ForeignKey(
        "accounts.Applicant",
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="requests",
        db_index=False,  # request_applicant_id below leads with it
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, help_text=_("How it came in.")
    )
    topic = models.ForeignKey(
        "directory.Topic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # request_topic_id below leads with it
        help_text=_("Empty until an operator classifies a request that came without one."),
    )
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"), help_text=_("The question in the applicant's words."))
    address = models.CharField(
        _("address"), max_length=500, blank=True, help_text=_("Address of the building or site.")
    )
    cadastral_number = models.CharField(
        _("cadastral number"),
        max_length=40,
        blank=True,
        validators=[CADASTRAL_NUMBER],
        help_text=_("Of the land plot or building, if known."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    paused_status = models.CharField(
        _("status before the pause"),
        max_length=20,
        choices=Status.choices,
        blank=True,
        help_text=_("Where the request returns when the applicant answers a clarification."),
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # request_operator_status below leads with it
        help_text=_("The operator in charge."),
    )
    authority = models.ForeignKey(
        "directory.Authority",
        verbose_name=_("authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # request_authority_status below leads with it
        help_text=_("The authority the request is escalated to now."),
    )
    due_at = models.DateTimeField(
        _("answer due"),
        null=True,
        blank=True,
        help_text=_("When the authority's answer is due (end of a working day, Moscow time)."),
    )
    registered_at = models.DateTimeField(
        _("registered at"),
        default=timezone.now,
        help_text=_("When the applicant asked (for a phone call, the call's time)."),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The operator who typed it in; empty when the applicant did."),
    )
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Grows with every change; two edits cannot both win.")
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When the applicant's words and contacts were scrubbed (the retention period "
            "passed, or the applicant asked for erasure); the figures of the statistics stay."
        ),
    )
    search_text = models.TextField(
        _("search lemmas"),
        blank=True,
        default="",
        editable=False,
        help_text=_("Lemmas of the subject and text, written at registration, for the search."),
    )

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="request_year_sequence"),
        ]
        # Every status change rewrites every index of the row (status is indexed, so PostgreSQL
        # cannot update in place): each index here must earn its upkeep.
        indexes = [
            models.Index(fields=["status", "-id"], name="request_status_id"),
            models.Index(fields=["applicant", "-id"], name="request_applicant_id"),
            models.Index(fields=["authority", "status", "-id"], name="request_authority_status"),
            models.Index(fields=["operator", "status", "-id"], name="request_operator_status"),
            models.Index(fields=["registered_at"], name="request_registered_at"),
            models.Index(fields=["topic", "-id"], name="request_topic_id"),
            models.Index(fields=["channel", "-id"], name="request_channel_id"),
            models.Index(fields=["due_at"], name="request_due_at"),
            # A number typed without its year («301», «000301») is looked for in every year.
            models.Index(fields=["sequence"], name="request_sequence"),
            # The operator's queue works on the open requests, a few thousand of a million:
            # its orders and its counts per saved view read only these small indexes.
            models.Index(fields=["id"], condition=OPEN, name="request_open_id"),
            models.Index(fields=["due_at", "id"], condition=OPEN, name="request_open_due"),
            models.Index(
                fields=["status", "operator", "due_at"], condition=OPEN, name="request_open_counts"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class History(models.Model):
    """One recorded event of a request: who did what and when. Append-only.

    ``action`` names the step with the one vocabulary of ``History.Action``: its labels are what
    every page and letter shows, the lifecycle's transitions and the API's endpoints are keyed by
    its values. ``escalation`` ties a row to the escalation whose period it belongs to (the
    authority's questions and the center's replies, what the applicant wrote while an authority
    had the request): it decides which specialist may read the row.
    """

    class Action(models.TextChoices):
        REGISTER = "register", _("Registered")
        TAKE = "take", _("Taken into work")
        ASSIGN = "assign", _("Assigned to an operator")
        ANSWER = "answer", _("Answer sent to the applicant")
        ESCALATE = "escalate", _("Passed to an authority")
        REASSIGN = "reassign", _("Passed to another authority")
        AUTHORITY_ANSWER = "authority_answer", _("The authority answered")
        DECLINE = "decline", _("Returned by the authority: not its competence")
        SEND_BACK = "send_back", _("Sent back to the authority")
        AUTHORITY_QUERY = (
            "authority_query",
            _("Question of the authority to the contact center"),
        )
        AUTHORITY_QUERY_REPLY = (
            "authority_query_reply",
            _("The contact center replied to the authority"),
        )
        ASK_CLARIFICATION = "ask_clarification", _("Clarification requested")
        CLARIFY = "clarify", _("The applicant clarified")
        CLOSE = "close", _("Closed")
        REOPEN = "reopen", _("Reopened")
        NOTE = "note", _("Internal note")
        SET_TOPIC = "set_topic", _("Topic changed")
        RATED = "rated", _("The answer was rated")
        MESSAGE = "message", _("Message from the applicant")

    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="history"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the system (a job or a channel)."),
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    escalation = models.ForeignKey(
        "Escalation",
        verbose_name=_("escalation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="history",
        help_text=_("The escalation whose period the entry belongs to; empty for the center's."),
    )
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    is_public = models.BooleanField(
        _("shown to the applicant"),
        default=True,
        help_text=_("Internal steps (escalation details, notes) are hidden from the applicant."),
    )

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="history_request_at")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("History is append-only: an entry cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("History is append-only: an entry cannot be deleted.")


class Escalation(models.Model):
    """A request handed to one competent authority, with the moment its answer is due."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting the authority's answer")
        ANSWERED = "answered", _("Answered by the authority")
        RETURNED = "returned", _("Returned: not the authority's competence")
        REASSIGNED = "reassigned", _("Reassigned to another authority")

    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="escalations"
    )
    authority = models.ForeignKey(
        "directory.Authority",
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    question = models.TextField(_("question to the authority"), blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"))
    due_at = models.DateTimeField(
        _("answer due"), help_text=_("End of the 4th working day after escalation, plus pauses.")
    )
    paused_at = models.DateTimeField(
        _("paused at"),
        null=True,
        blank=True,
        help_text=_("Set while the applicant is asked for a clarification: the clock stops."),
    )
    paused_working_days = models.PositiveSmallIntegerField(
        _("working days paused"), default=0, help_text=_("By how much the due moment moved.")
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closing_reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why it was returned or reassigned.")
    )
    reminder_sent_at = models.DateTimeField(_("due-soon reminder sent"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(_("overdue alert sent"), null=True, blank=True)
    query = models.TextField(
        _("question to the contact center"),
        blank=True,
        help_text=_("The specialist's open question about the request; empty once answered."),
    )
    query_asked_at = models.DateTimeField(
        _("question asked at"),
        null=True,
        blank=True,
        help_text=_(
            "Set while the specialist's question waits for the contact center's reply; "
            "the clock keeps running."
        ),
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            # One winner when two operators escalate the same request at once.
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="open"), name="escalation_one_open"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="escalation_status_due"),
            models.Index(fields=["authority", "escalated_at"], name="escalation_authority_at"),
            # The operators' view "questions from authorities" and its count read only the few
            # open questions, however many escalations there are.
            models.Index(
                fields=["request"],
                condition=Q(status="open", query_asked_at__isnull=False),
                name="escalation_open_query",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.authority_id}"

    @property
    def is_overdue(self) -> bool:
        end = self.answered_at or timezone.now()
        return end > self.due_at


class Answer(models.Model):
    """A written answer: the authority's draft for review, or the final one to the applicant."""

    class Kind(models.TextChoices):
        AUTHORITY = "authority", _("Authority's answer")
        FINAL = "final", _("Answer to the applicant")

    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="answers"
    )
    escalation = models.ForeignKey(
        Escalation,
        verbose_name=_("escalation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answers",
    )
    kind = models.CharField(_("answer type"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.request_id}"


class Attachment(models.Model):
    """A file sent with a request; type and size are checked before it is stored."""

    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size, bytes"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class AnswerTemplate(models.Model):
    """A reusable answer text with placeholders such as {number} and {applicant_name}."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    topic = models.ForeignKey(
        "directory.Topic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("answer template")
        verbose_name_plural = _("answer templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class RequestNumberCounter(models.Model):
    """The last registration number given out in a year; its row lock keeps numbers gap-free."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("request number counter")
        verbose_name_plural = _("request number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Rating(models.Model):
    """The applicant's mark (1–5) of a final answer, with an optional comment; once per answer."""

    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="ratings"
    )
    answer = models.OneToOneField(
        Answer,
        verbose_name=_("answer"),
        on_delete=models.CASCADE,
        related_name="rating",
        help_text=_("The final answer that was rated; each answer is rated at most once."),
    )
    score = models.PositiveSmallIntegerField(
        _("score"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("From 1 (useless) to 5 (fully answered)."),
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.score}"
