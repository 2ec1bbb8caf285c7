"""The authorities of the construction complex, their specialists and the topics they answer."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Authority(models.Model):
    """A competent body of the construction complex (орган власти) that requests go to."""

    code = models.SlugField(
        _("code"), max_length=50, unique=True, help_text=_("Short stable identifier.")
    )
    name = models.CharField(_("official name"), max_length=300, help_text=_("Full official name."))
    short_name = models.CharField(
        _("short name"), max_length=100, help_text=_("As people say it, e.g. Мосгосстройнадзор.")
    )
    competence = models.TextField(
        _("competence"), blank=True, help_text=_("What the authority decides, in brief.")
    )
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("Official address."))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Inactive authorities get no new escalations.")
    )

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class Topic(models.Model):
    """A subject of requests in a two-level tree: a section and its topics."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Empty for a section; a topic belongs to one section."),
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("topic name"), max_length=200)
    authorities = models.ManyToManyField(
        Authority,
        verbose_name=_("competent authorities"),
        blank=True,
        related_name="topics",
        help_text=_("Who answers questions of this topic, first the main one."),
    )
    position = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name if self.parent_id is None else f"{self.parent} / {self.name}"

    def clean(self) -> None:
        if self.parent is not None and self.parent.parent_id is not None:
            raise ValidationError({"parent": _("The topic tree has two levels only.")})


class Specialist(models.Model):
    """A user who answers escalated requests on behalf of one authority."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="specialist",
    )
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="specialists",
        help_text=_("A specialist sees only the requests escalated to this authority."),
    )
    position = models.CharField(_("job title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("specialist")
        verbose_name_plural = _("specialists")

    def __str__(self) -> str:
        return f"{self.user} ({self.authority})"
