"""Routing: trained models, the administrators' rules, operators' confirmations, auto-routing."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RoutingModel(models.Model):
    """One trained classifier, with the figures it scored on requests it did not see.

    Versions only grow; exactly one (or none, before the first training) is active and answers
    suggestions. An administrator can switch back to an earlier one in the admin.
    """

    version = models.PositiveIntegerField(
        _("version"), unique=True, help_text=_("Grows with every training.")
    )
    blob = models.BinaryField(
        _("classifier"), help_text=_("The fitted features and models, compressed.")
    )
    metrics = models.JSONField(
        _("evaluation"),
        default=dict,
        blank=True,
        help_text=_("Accuracy, macro-F1 and top-2 accuracy on the newest fifth, held out."),
    )
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    examples = models.PositiveIntegerField(
        _("examples"), default=0, help_text=_("How many requests it learned from, in all.")
    )
    history_examples = models.PositiveIntegerField(
        _("from the center's history"),
        default=0,
        help_text=_("Of them, answered requests and operators' corrections of this center."),
    )
    seconds = models.FloatField(_("training time, s"), default=0)
    is_active = models.BooleanField(
        pgettext_lazy("routing", "active"),
        default=False,
        help_text=_("The model that answers suggestions now."),
    )

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="routing_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class RoutingRule(models.Model):
    """A rule an administrator writes; where it matches it speaks before the model.

    A keyword rule matches when all the words of its phrase occur in the request (in any form:
    «ордер» matches «ордера»); a cadastral rule when the request's cadastral number starts with
    the district it names (77:17 — a district of ТиНАО).
    """

    class Kind(models.TextChoices):
        KEYWORDS = "keywords", _("Keywords")
        CADASTRAL = "cadastral", _("Cadastral district")

    kind = models.CharField(pgettext_lazy("routing", "kind"), max_length=16, choices=Kind.choices)
    pattern = models.CharField(
        _("pattern"),
        max_length=200,
        help_text=_("Words that must all occur, or a cadastral district such as 77:17."),
    )
    topic = models.ForeignKey(
        "directory.Topic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The topic it sets; empty: the model's topic stays."),
    )
    authority = models.ForeignKey(
        "directory.Authority",
        verbose_name=pgettext_lazy("routing", "authority"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The authority it sets; empty: the topic's competent authority."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first.")
    )
    is_active = models.BooleanField(_("in use"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True, help_text=_("Why it exists."))

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pattern}"


class TopicPolicy(models.Model):
    """Whether the center always escalates a topic's requests: only those are auto-routed."""

    topic = models.OneToOneField(
        "directory.Topic",
        verbose_name=_("topic"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    always_escalated = models.BooleanField(
        _("always escalated"),
        default=False,
        help_text=_("The center never answers this topic alone: it goes to an authority."),
    )

    class Meta:
        verbose_name = _("topic policy")
        verbose_name_plural = _("topic policies")

    def __str__(self) -> str:
        return str(self.topic)


class AutoRoutingSettings(models.Model):
    """The one row of auto-routing settings (off until an administrator switches it on)."""

    enabled = models.BooleanField(
        _("auto-routing on"),
        default=False,
        help_text=_("Escalate new requests of always-escalated topics to the suggested authority."),
    )
    threshold = models.FloatField(
        _("confidence threshold"),
        default=0.85,
        validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text=_("Both the topic's and the authority's confidence must reach it."),
    )

    class Meta:
        verbose_name = _("auto-routing settings")
        verbose_name_plural = _("auto-routing settings")

    def __str__(self) -> str:
        return str(_("auto-routing settings"))


class Confirmation(models.Model):
    """An operator's verdict on a suggestion: confirmed as it was, or corrected.

    The request's words are kept as they were, so a correction trains the next model even if the
    request changes later.
    """

    request = models.ForeignKey(
        "cases.Request",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    model_version = models.PositiveIntegerField(
        _("model version"), null=True, blank=True, help_text=_("Empty: no model answered.")
    )
    source = models.CharField(_("suggested by"), max_length=16, blank=True)
    suggested_topic = models.CharField(_("suggested topic"), max_length=60, blank=True)
    suggested_authority = models.CharField(_("suggested authority"), max_length=50, blank=True)
    topic = models.ForeignKey(
        "directory.Topic", verbose_name=_("topic"), on_delete=models.PROTECT, related_name="+"
    )
    authority = models.ForeignKey(
        "directory.Authority",
        verbose_name=pgettext_lazy("routing", "authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the center answers without an authority."),
    )
    subject = models.CharField(pgettext_lazy("routing", "subject"), max_length=300)
    text = models.TextField(_("text"))
    applicant_type = models.CharField(_("applicant type"), max_length=16)
    channel = models.CharField(pgettext_lazy("routing", "channel"), max_length=16)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        indexes = [models.Index(fields=["request", "-at"], name="routing_confirm_request")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.topic_id}"

    @property
    def corrected(self) -> bool:
        authority_code = self.authority.code if self.authority is not None else ""
        return (self.topic.code, authority_code) != (
            self.suggested_topic,
            self.suggested_authority,
        )


class AutoRoute(models.Model):
    """The auto-router's decision on one new request; one per request, whoever runs the job."""

    class Outcome(models.TextChoices):
        ROUTED = "routed", pgettext_lazy("routing", "Escalated")
        SKIPPED = "skipped", _("Left to the operators")

    request = models.OneToOneField(
        "cases.Request", verbose_name=_("request"), on_delete=models.CASCADE, related_name="+"
    )
    outcome = models.CharField(
        pgettext_lazy("routing", "outcome"), max_length=16, choices=Outcome.choices
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    model_version = models.PositiveIntegerField(_("model version"), null=True, blank=True)
    topic_code = models.CharField(_("topic"), max_length=60, blank=True)
    authority = models.ForeignKey(
        "directory.Authority",
        verbose_name=pgettext_lazy("routing", "authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confidence = models.FloatField(_("confidence"), default=0)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("auto-routing decision")
        verbose_name_plural = _("auto-routing decisions")
        indexes = [models.Index(fields=["outcome", "at"], name="routing_autoroute_outcome")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.outcome}"
