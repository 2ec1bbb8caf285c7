"""Users of stroydesk, their roles, and the applicants who ask the center questions."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.validators import validate_inn, validate_ogrn


class StroydeskUserManager(UserManager):
    """Django's manager, whose superuser (``manage.py createsuperuser``) is an administrator of
    the center: with the default role, applicant, the admin opened but the staff pages did not."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", "admin")
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: an applicant, or a member of staff with one role."""

    objects: ClassVar[StroydeskUserManager] = StroydeskUserManager()

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        OPERATOR = "operator", _("Operator")
        SPECIALIST = "specialist", _("Specialist of an authority")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(
        _("role"),
        max_length=16,
        choices=Role.choices,
        default=Role.APPLICANT,
        db_index=True,
        help_text=_("What the user does in the center; decides what they may see and do."),
    )
    middle_name = models.CharField(
        _("middle name"), max_length=150, blank=True, help_text=_("Patronymic (отчество).")
    )
    # A field of its own rather than ``is_active=False`` until confirmed: ``is_active`` is the
    # administrators' switch to block an account, and a blocked person must not be able to
    # unblock themselves with a "send the link again"; Django's backend also refuses inactive
    # users silently, so the sign-in form could not say why. The default makes every account
    # that is not self-registered (staff, demo data, the admin, createsuperuser) confirmed;
    # only the portal's sign-up leaves it empty until the mailed link is followed.
    email_confirmed_at = models.DateTimeField(
        _("e-mail confirmed at"),
        null=True,
        blank=True,
        default=timezone.now,
        help_text=_(
            "Empty while a self-registered applicant has not followed the link mailed at "
            "sign-up: such an account cannot sign in. Accounts made by staff count as confirmed."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args: Any, **kwargs: Any) -> None:
        # ``set_password`` leaves the new password in ``_password`` until the save; Django's
        # re-hashing of an unchanged password at sign-in clears it first, so only a real change
        # (the admin's form, a reset link, a command) revokes the API keys made with the old one.
        password_changed = getattr(self, "_password", None) is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.filter(user=self, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_center_staff(self) -> bool:
        """Operators, supervisors and administrators of the center see every request."""
        return self.role in {self.Role.OPERATOR, self.Role.SUPERVISOR, self.Role.ADMIN}

    @property
    def display_name(self) -> str:
        parts = [self.last_name, self.first_name, self.middle_name]
        return " ".join(p for p in parts if p) or self.username


class Applicant(models.Model):
    """Who a request comes from: a resident or a developer organisation.

    An applicant need not have a login: a caller registered by an operator or a sender of an
    e-mail is an applicant too, and may later sign up and be linked to the same record.
    """

    class Kind(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        DEVELOPER = "developer", _("Developer organisation")

    kind = models.CharField(
        _("applicant type"),
        max_length=16,
        choices=Kind.choices,
        default=Kind.RESIDENT,
        help_text=_("A resident (физическое лицо) or a developer organisation (застройщик)."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applicant",
        help_text=_("The login of the applicant, when they have one."),
    )
    full_name = models.CharField(
        _("full name"),
        max_length=300,
        help_text=_("The person's name, or the contact person of an organisation."),
    )
    email = models.EmailField(_("e-mail"), blank=True, db_index=True, help_text=_("For answers."))
    phone = models.CharField(
        _("phone"), max_length=16, blank=True, db_index=True, help_text=_("As +7XXXXXXXXXX.")
    )
    organisation_name = models.CharField(
        _("organisation"),
        max_length=500,
        blank=True,
        help_text=_("Full name of the developer organisation."),
    )
    inn = models.CharField(
        _("ИНН"),
        max_length=12,
        blank=True,
        validators=[validate_inn],
        help_text=_("Taxpayer number of the organisation (10 digits) or entrepreneur (12)."),
    )
    ogrn = models.CharField(
        _("ОГРН"),
        max_length=15,
        blank=True,
        validators=[validate_ogrn],
        help_text=_("State registration number: ОГРН (13 digits) or ОГРНИП (15)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the name and contacts were scrubbed; the kind stays for statistics."),
    )

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="resident")
                | Q(anonymised_at__isnull=False)
                | (~Q(inn="") & ~Q(ogrn="") & ~Q(organisation_name="")),
                name="applicant_developer_has_inn_ogrn",
                violation_error_message=_("A developer organisation needs its name, ИНН and ОГРН."),
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.DEVELOPER:
            return f"{self.organisation_name} ({self.full_name})"
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Lower case whoever writes it (a channel, the admin): mail is filed and accounts are
        # linked by an exact match on the indexed address.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


# What stands in the place of scrubbed personal data: a fixed Russian mark rather than a
# translation, since it is stored and read back by people of either language.
ANONYMISED = "[обезличено]"


class AppendOnlyError(Exception):
    """A record of an append-only trail was about to be changed or deleted."""


class PersonalDataAccessQuerySet(models.QuerySet):
    # Bulk updates and deletes would rewrite the trail behind the chain's back; the command that
    # verifies the chain would catch them, refusing them here catches the mistake where it is made.
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the personal-data access log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the personal-data access log is append-only")


class PersonalDataAccess(models.Model):
    """One reading of applicants' personal data by a member of staff (152-ФЗ audit trail).

    Append-only and tamper-evident: each entry carries the hash of the one before it
    (``prev_hash``) and its own (``hash``) over its fields, so that a changed, removed or inserted
    entry breaks the chain (``manage.py verify_access_log``). Written only by
    ``accounts.audit.access_record``, which serialises the appends.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The member of staff who opened the data."),
    )
    # The first (usually the only) applicant, for filtering; the hash covers ``applicant_ids``,
    # which outlives the record of an applicant deleted later (an unconfirmed sign-up).
    applicant = models.ForeignKey(
        Applicant,
        verbose_name=_("applicant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accesses",
        help_text=_("Whose personal data was shown (the first of them when a list was shown)."),
    )
    applicant_ids = models.JSONField(
        _("applicants"),
        default=list,
        help_text=_("Ids of every applicant whose data the answer showed."),
    )
    context = models.CharField(
        _("where"),
        max_length=100,
        help_text=_("What was opened, e.g. the request number."),
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    prev_hash = models.CharField(_("previous entry's hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]
        indexes = [models.Index(fields=["applicant", "-id"], name="pda_applicant_recent")]

    def __str__(self) -> str:
        return f"{self.actor_id} → {self.context} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("the personal-data access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the personal-data access log is append-only")


class ApiToken(models.Model):
    """A key to the REST API that its holder made for one program: kept only as a hash, with
    an expiry, a scope and a revocation mark.

    The key itself is shown once, when it is issued (``accounts.tokens.api_token_issue``); a
    leaked database or admin page gives nobody a working key.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        _("program"), max_length=100, blank=True, help_text=_("What program the key is for.")
    )
    prefix = models.CharField(
        _("beginning of the key"),
        max_length=12,
        help_text=_("The key's first characters, to tell keys apart; the rest is not kept."),
    )
    key_hash = models.CharField(_("hash of the key"), max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.WRITE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.scope})"

    def is_live(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class TotpDevice(models.Model):
    """A member of staff's authenticator app (RFC 6238): the shared secret it was set up with.

    The secret has to be kept readable to check codes; it is useless without the password."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="totp_device",
    )
    secret = models.CharField(_("secret"), max_length=64, editable=False)
    confirmed_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        help_text=_("Empty until the first code from the app was entered."),
    )
    # The 30-second step of the last code taken: a code seen once is not taken again.
    last_step = models.BigIntegerField(_("last step used"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return str(self.user_id)


class RecoveryCode(models.Model):
    """A one-time code for signing in without the authenticator app; kept as a hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="recovery_codes",
    )
    code_hash = models.CharField(_("hash of the code"), max_length=64, editable=False)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {'used' if self.used_at else 'unused'}"


class ConsentText(models.Model):
    """One version of a consent's wording (152-ФЗ, art. 9): a consent given is tied to the text
    the person saw, so a text is never edited — a new wording is a new version."""

    class Purpose(models.TextChoices):
        ACCOUNT = "account", _("Processing of personal data for an account")
        REQUEST = "request", _("Processing of personal data in a request")

    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    version = models.CharField(
        _("version"), max_length=32, help_text=_("As shown with the text, e.g. 2026-12-1.")
    )
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(
        _("in force from"), default=timezone.now, help_text=_("The newest in force is shown.")
    )

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consent_text_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.version}"


class Consent(models.Model):
    """A consent given: who, to which version of which text, when, and where (the request)."""

    applicant = models.ForeignKey(
        Applicant,
        verbose_name=_("applicant"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    text = models.ForeignKey(
        ConsentText, verbose_name=_("text"), on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    context = models.CharField(
        _("where"), max_length=100, blank=True, help_text=_("Sign-up, or the request's number.")
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.applicant_id}: {self.text} {self.given_at:%Y-%m-%d %H:%M}"
