"""The log of text messages (SMS) the center sends; e-mails have their own log."""

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
