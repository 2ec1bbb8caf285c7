"""Admin-editable corrections to the production calendar shipped in ``data/``.

The data file is the baseline; rows here override it, date by date, without a deploy: a region's
extra day off, a correction, or next year's Government decree. Nothing here is read per call:
``selectors`` builds the calendar once and caches it (see ``loader.py``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar import (
    FIRST_SUPPORTED_YEAR,
    LAST_SUPPORTED_YEAR,
    CalendarDataError,
    DayKind,
    check_day_kind,
)

FIRST_YEAR = FIRST_SUPPORTED_YEAR
LAST_YEAR = LAST_SUPPORTED_YEAR


class CalendarDay(models.Model):
    """One date whose status differs from the plain Mon–Fri rule, overriding the data file.

    ``working_day`` exists only to override: it makes a date working whatever the file says.
    """

    class Kind(models.TextChoices):
        HOLIDAY = DayKind.HOLIDAY.value, _("Public holiday")
        TRANSFERRED_DAY_OFF = DayKind.TRANSFERRED_DAY_OFF.value, _("Transferred day off")
        WORKING_WEEKEND = DayKind.WORKING_WEEKEND.value, _("Working Saturday or Sunday")
        DECREED_DAY_OFF = DayKind.DECREED_DAY_OFF.value, _("Non-working day by presidential decree")
        SHORT_DAY = DayKind.SHORT_DAY.value, _("Shortened pre-holiday day")
        WORKING_DAY = DayKind.WORKING_DAY.value, _("Working day (override)")

    date = models.DateField(
        _("date"),
        unique=True,
        help_text=_("The calendar date this row describes."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=32,
        choices=Kind.choices,
        help_text=_(
            "What the day is. Holidays and transferred days off are days off; working weekend "
            "days, shortened days and 'working day' are working; decreed days are off only "
            "when deadlines are set to skip them."
        ),
    )
    note = models.CharField(
        _("note"),
        max_length=500,
        blank=True,
        help_text=_("Why: the holiday's name or the act that made the transfer."),
    )
    updated_at = models.DateTimeField(
        _("updated at"),
        auto_now=True,
        help_text=_("When this row was last changed."),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in DayKind]),
                name="workcalendar_day_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.get_kind_display()}"

    def clean(self) -> None:
        super().clean()
        if self.date and self.kind in DayKind._value2member_map_:
            try:
                check_day_kind(self.date, DayKind(self.kind))
            except CalendarDataError:
                raise ValidationError(
                    {"kind": _("This kind cannot fall on this day of the week.")}
                ) from None


class CalendarYear(models.Model):
    """A year declared covered from the admin, or a file year whose status is corrected.

    Covered years = the data file's years plus the years of these rows. The holidays of
    ст. 112 ТК РФ are implied in every covered year, so to add a year enter its transfers
    (the Government decree) as calendar days and then its row here; to confirm a provisional
    year, enter the decree's transfers and untick "provisional".
    """

    year = models.PositiveSmallIntegerField(
        _("year"),
        unique=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
        help_text=_("The calendar year the production calendar covers."),
    )
    source = models.CharField(
        _("source"),
        max_length=1000,
        help_text=_("The official acts of this year, e.g. the Government decree with its number."),
    )
    is_provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("Tick while the year is derived from the law without its Government decree."),
    )
    updated_at = models.DateTimeField(
        _("updated at"),
        auto_now=True,
        help_text=_("When this row was last changed."),
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name="workcalendar_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)
