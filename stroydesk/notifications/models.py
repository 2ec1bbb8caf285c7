"""The one log of what the center sends: e-mails (``OutgoingMessage``) and text messages
(``SmsMessage``), each under the key of its occurrence; and the applicant's own Message-IDs that
our letters answer (``MailThread``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SmsMessage(models.Model):
    """A text message to a phone, logged under the key of its occurrence before it is sent.

    A second attempt with the same key finds the row and sends nothing; the job claims a message
    by a compare-and-set from *pending* to *sending*, so two workers cannot both send it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up")

    key = models.CharField(_("key"), max_length=200, unique=True)
    event = models.CharField(_("event"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, help_text=_("In the form +7XXXXXXXXXX."))
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider_id = models.CharField(
        _("provider's id"), max_length=100, blank=True, help_text=_("The gateway's message id.")
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="sms_status_at")]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:40]}"


class OutgoingMessage(models.Model):
    """An e-mail the center sends, logged before it is sent.

    ``key`` names the occurrence and the recipient (event, request, history row, address): a
    second attempt to send the same occurrence finds the row and sends nothing. This is the
    product's one "never twice" log of letters. ``message_id`` is ours, so that the applicant's
    reply (In-Reply-To / References) threads back to the request.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up")
        BOUNCED = "bounced", _("Bounced")

    key = models.CharField(_("key"), max_length=200, unique=True)
    event = models.CharField(_("event"), max_length=40, blank=True)
    request = models.ForeignKey(
        "cases.Request",
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("Files sent with the letter: name, MIME type and base64 content each."),
    )
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    claimed_at = models.DateTimeField(
        _("last claimed at"),
        null=True,
        blank=True,
        help_text=_("When a worker last took the letter, or the sweep queued it again."),
    )

    withhold_body = models.BooleanField(
        _("withhold the text"),
        default=False,
        help_text=_("The text carries a secret (a confirmation link, a code): blanked once sent."),
    )

    class Meta:
        # The table keeps the name it had when channels owned the model: no data moved.
        db_table = "channels_outgoingmessage"
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["request", "-created_at"], name="outgoing_request_at"),
            models.Index(fields=["status", "created_at"], name="outgoing_status_at"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class MailThread(models.Model):
    """An e-mail the applicant sent on a request, as far as our answers need it: its Message-ID.

    The mail intake (channels) reports each one through ``notifications.services``; our letters
    to the applicant then answer their latest e-mail (In-Reply-To) and name the conversation
    (References), so that their mail program shows one thread.
    """

    request = models.ForeignKey(
        "cases.Request",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    message_id = models.CharField(
        _("Message-ID"), max_length=998, help_text=_("Without the angle brackets.")
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("applicant's e-mail in a thread")
        verbose_name_plural = _("applicant's e-mails in threads")
        constraints = [
            models.UniqueConstraint(fields=["request", "message_id"], name="mailthread_once")
        ]
        indexes = [models.Index(fields=["request", "received_at"], name="mailthread_request_at")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.message_id}"


class DispatchedEvent(models.Model):
    """A history row of a request whose letters were worked out already.

    Written when the letters of a row were logged (or found logged); the sweep looks for recent
    history rows without one, so an event whose job was lost (queue down, worker killed) still
    gets its letters. The letters' keys make a second dispatch harmless.
    """

    history_id = models.BigIntegerField(
        _("history row"), unique=True, help_text=_("The id of the request's history row.")
    )
    at = models.DateTimeField(_("handled at"), default=timezone.now)

    class Meta:
        verbose_name = _("handled event")
        verbose_name_plural = _("handled events")

    def __str__(self) -> str:
        return f"h{self.history_id}"
