"""What the channels keep: the mailboxes read for requests, the log of processed and quarantined
incoming mail, the log of outgoing mail, and the keys of Open311 clients."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Mailbox(models.Model):
    """An IMAP mailbox whose new messages become requests (or messages on requests).

    The password is not stored: the record names an environment variable that holds it, so that
    a database dump carries no mail credentials.
    """

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS (usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")
        PLAIN = "plain", _("No encryption (loopback and tests only)")

    name = models.CharField(
        pgettext_lazy("mailbox", "name"),
        max_length=100,
        unique=True,
        help_text=_("E.g. the address people write to."),
    )
    host = models.CharField(_("IMAP host"), max_length=255)
    port = models.PositiveIntegerField(
        _("port"), default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    security = models.CharField(
        _("encryption"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        help_text=_("Name of the environment variable that holds the password."),
    )
    folder = models.CharField(
        _("folder"), max_length=255, default="INBOX", help_text=_("The folder that is read.")
    )
    processed_folder = models.CharField(
        _("move processed mail to"),
        max_length=255,
        blank=True,
        help_text=_(
            "A folder to move processed messages to; when empty they are only marked as read."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last read without errors"), null=True, blank=True)
    last_error = models.TextField(
        _("last error"), blank=True, help_text=_("Empty when the last check went well.")
    )
    failures = models.PositiveIntegerField(
        _("failed checks in a row"), default=0, help_text=_("Reset by a successful check.")
    )

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def password(self) -> str:
        """The password from the environment; KeyError names the variable that is missing."""
        value = os.environ.get(self.password_env)
        if value is None:
            raise KeyError(f"environment variable {self.password_env} is not set")
        return value


class ProcessedMessage(models.Model):
    """One incoming e-mail that has been handled, whatever the outcome.

    The unique ``key`` (from the Message-ID, or a hash of the raw message when it has none) is
    written in the same transaction as the request, so that a message fetched again after a
    crash is recognised and neither lost nor registered twice.
    """

    class Outcome(models.TextChoices):
        REQUEST = "request", _("New request")
        MESSAGE = "message", _("Message on a request")
        AUTO_REPLY = "auto_reply", _("Auto-reply, ignored")
        BOUNCE = "bounce", _("Delivery failure report, ignored")
        QUARANTINED = "quarantined", _("Quarantined")
        REVIEW = "review", _("Held for review: the sender is not authenticated")

    class Authentication(models.TextChoices):
        PASS = "pass", _("Sender authenticated (DMARC, DKIM or SPF)")
        FAIL = "fail", _("Sender authentication failed: the From address may be forged")
        NONE = "none", _("Sender not authenticated (no results from the mail server)")

    key = models.CharField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("A hash of the Message-ID, or of the whole message when it has no Message-ID."),
    )
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    request = models.ForeignKey(
        "cases.Request",
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sender = models.CharField(pgettext_lazy("letter", "from"), max_length=320, blank=True)
    subject = models.CharField(pgettext_lazy("letter", "subject"), max_length=300, blank=True)
    authentication = models.CharField(
        _("sender authentication"),
        max_length=8,
        choices=Authentication.choices,
        default=Authentication.NONE,
        help_text=_("What the receiving mail server found of SPF, DKIM and DMARC."),
    )
    authentication_results = models.TextField(
        _("authentication results"),
        blank=True,
        help_text=_("The Authentication-Results the verdict rests on, as the server wrote them."),
    )
    processed_at = models.DateTimeField(_("processed at"), default=timezone.now)

    class Meta:
        verbose_name = _("processed e-mail")
        verbose_name_plural = _("processed e-mails")
        indexes = [
            models.Index(fields=["request", "-processed_at"], name="processed_request_at"),
            models.Index(fields=["-processed_at"], name="processed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.subject or self.message_id or self.key}"


class QuarantinedMessage(models.Model):
    """An incoming e-mail that could not be parsed or registered, kept whole for the operator."""

    processed = models.OneToOneField(
        ProcessedMessage,
        verbose_name=_("processing record"),
        on_delete=models.CASCADE,
        related_name="quarantine",
    )
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raw = models.BinaryField(_("raw message"), help_text=_("The message exactly as received."))
    reason = models.TextField(_("reason"))
    sender = models.CharField(pgettext_lazy("letter", "from"), max_length=320, blank=True)
    subject = models.CharField(pgettext_lazy("letter", "subject"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("quarantined at"), default=timezone.now)

    class Meta:
        verbose_name = _("quarantined e-mail")
        verbose_name_plural = _("quarantined e-mails")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class Open311ApiKey(models.Model):
    """A key an Open311 client posts requests with; only its hash is stored, shown once."""

    name = models.CharField(
        _("client"), max_length=200, help_text=_("Who uses the key (an app, a partner).")
    )
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("The first characters, to recognise the key.")
    )
    key_hash = models.CharField(_("hash"), max_length=64, unique=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("More calls within a minute are refused with HTTP 429."),
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311Submission(models.Model):
    """What an Open311 client sent with a request beyond the request itself: the key it used,
    the service code, coordinates, attributes. Its presence marks a request as one that the
    Open311 endpoint may show."""

    request = models.OneToOneField(
        "cases.Request",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="open311",
    )
    api_key = models.ForeignKey(
        Open311ApiKey, verbose_name=_("API key"), on_delete=models.PROTECT, related_name="+"
    )
    service_code = models.CharField(_("service code"), max_length=60)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    address_id = models.CharField(_("address id"), max_length=100, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    media_url = models.URLField(_("media URL"), max_length=1000, blank=True)
    device_id = models.CharField(_("device id"), max_length=200, blank=True)
    account_id = models.CharField(_("account id"), max_length=200, blank=True)
    publish_details = models.BooleanField(
        _("description and place published"),
        default=False,
        help_text=_(
            "The applicant agreed that the public Open311 list show the description, the "
            "address and the coordinates. Without it the list shows the service and the status."
        ),
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        indexes = [
            models.Index(fields=["created_at"], name="open311_created_at"),
            models.Index(fields=["service_code", "created_at"], name="open311_code_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(long__isnull=True))
                | (Q(lat__gte=-90, lat__lte=90) & Q(long__gte=-180, long__lte=180)),
                name="open311_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_code}: {self.request_id}"
