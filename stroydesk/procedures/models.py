"""The procedures catalogue in force (loaded from the data file, editable in the admin) and
the plans applicants save."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .catalogue import ProcedureSpec


class Procedure(models.Model):
    """One urban-development procedure: who decides, on which legal basis, in what term."""

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", _("working days")
        CALENDAR_DAYS = "calendar_days", pgettext_lazy("procedures", "calendar days")

    code = models.SlugField(
        _("code"), max_length=60, unique=True, help_text=_("Stable identifier used by the API.")
    )
    title_ru = models.CharField(_("title (Russian)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    authority_code = models.SlugField(
        _("authority code"),
        max_length=50,
        blank=True,
        help_text=_("Code of the authority in the directory; empty for utilities and contractors."),
    )
    authority_name = models.CharField(
        pgettext_lazy("procedures", "authority"),
        max_length=300,
        help_text=_("Shown when the directory has no such code."),
    )
    legal_basis = models.TextField(_("legal basis"), help_text=_("Act, article and part."))
    term = models.PositiveIntegerField(
        _("maximum term"), help_text=_("The official maximum term, in its unit.")
    )
    unit = models.CharField(
        _("unit"),
        max_length=20,
        choices=Unit.choices,
        help_text=_("As the act says: working or calendar days."),
    )
    term_confirmed = models.BooleanField(
        _("term confirmed"),
        default=False,
        help_text=_("Whether the term was read in the act's current text."),
    )
    term_note = models.TextField(_("note on the term"), blank=True)
    fee_rub = models.PositiveIntegerField(
        _("fee, roubles"),
        null=True,
        blank=True,
        help_text=_("A fixed fee; empty when it is a tariff or a contract price."),
    )
    fee_rule = models.CharField(_("fee rule"), max_length=300, blank=True)
    documents = models.JSONField(
        _("documents"), default=list, blank=True, help_text=_("A list of document names.")
    )
    depends_on = models.JSONField(
        _("depends on"),
        default=list,
        blank=True,
        help_text=_("Codes of the procedures that must end before this one starts."),
    )
    applies_when = models.JSONField(
        _("applies when"),
        default=dict,
        blank=True,
        help_text=_(
            'Rule on the profile, e.g. {"object_type": ["linear"], "sells_off_plan": true}.'
        ),
    )
    optional_when = models.JSONField(
        _("optional when"),
        null=True,
        blank=True,
        help_text=_("Rule under which the applicant may leave the step out; empty: never."),
    )
    reason_ru = models.TextField(_("why it applies (Russian)"), blank=True)
    reason_en = models.TextField(_("why it applies (English)"), blank=True)
    duration_from_profile = models.CharField(
        _("duration from the profile"),
        max_length=40,
        blank=True,
        help_text=_("Profile field that gives the duration instead of the term (the works)."),
    )
    source = models.TextField(
        _("source"), help_text=_("Where every figure of this entry comes from.")
    )
    position = models.PositiveIntegerField(pgettext_lazy("procedures", "position"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.title_ru}"

    def to_spec(self) -> ProcedureSpec:
        return ProcedureSpec(
            code=self.code,
            title_ru=self.title_ru,
            title_en=self.title_en,
            authority_code=self.authority_code,
            authority_name=self.authority_name,
            legal_basis=self.legal_basis,
            term=self.term,
            unit=self.unit,
            term_confirmed=self.term_confirmed,
            term_note=self.term_note,
            fee_rub=self.fee_rub,
            fee_rule=self.fee_rule,
            documents=tuple(self.documents or ()),
            depends_on=tuple(self.depends_on or ()),
            applies_when=dict(self.applies_when or {}),
            optional_when=self.optional_when or None,
            reason_ru=self.reason_ru,
            reason_en=self.reason_en,
            duration_from_profile=self.duration_from_profile,
            source=self.source,
            position=self.position,
        )


class CatalogueLoad(models.Model):
    """An append-only record of each load of the catalogue file: which version, when, by whom."""

    version = models.CharField(_("version"), max_length=40)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    loaded_by = models.CharField(_("loaded by"), max_length=150, blank=True)
    procedures = models.PositiveIntegerField(_("procedures"), help_text=_("How many were loaded."))

    class Meta:
        verbose_name = _("catalogue load")
        verbose_name_plural = _("catalogue loads")
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return self.version


class SavedPlan(models.Model):
    """A plan an applicant keeps: the profile and the start date; the dates are recomputed on
    every view, so a change of the catalogue or the calendar shows in it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="procedure_plans",
    )
    title = models.CharField(_("title"), max_length=200)
    profile = models.JSONField(_("profile"), help_text=_("The project's profile as answered."))
    start_date = models.DateField(_("start date"))
    drop = models.JSONField(
        _("left out"), default=list, blank=True, help_text=_("Optional steps left out.")
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved plan")
        verbose_name_plural = _("saved plans")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-id"], name="proc_plan_owner_idx")]

    def __str__(self) -> str:
        return self.title


class PlanRequestLink(models.Model):
    """A saved plan attached to a request of the contact center ("ask about this plan").

    Keyed by the request's id rather than a foreign key: procedures sits beside cases and does
    not reach into its tables; cases.selectors answers for the request itself."""

    plan = models.ForeignKey(
        SavedPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="requests"
    )
    request_id = models.PositiveBigIntegerField(
        pgettext_lazy("procedures", "request id"), db_index=True
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan attached to a request")
        verbose_name_plural = _("plans attached to requests")
        constraints = [
            models.UniqueConstraint(fields=["plan", "request_id"], name="proc_plan_request_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} → {self.request_id}"
