"""Admin for calendar corrections; every write goes through ``services`` to refresh the cache."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from . import services
from .models import CalendarDay, CalendarYear

# The admin index shows the calendar's year notices (templates/admin/workcalendar/index.html
# extends the stock index). Set only when no other app has chosen an index template, so that
# none is replaced; the admin index test fails if the notices disappear that way.
if admin.site.index_template is None:
    admin.site.index_template = "admin/workcalendar/index.html"


class YearFilter(admin.SimpleListFilter):
    """Filter calendar days by the year of their date."""

    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        dates = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in dates]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isascii() and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "note", "updated_at"]
    list_filter = ["kind", YearFilter]
    search_fields = ["note"]
    date_hierarchy = "date"
    ordering = ["-date"]

    @admin.display(description=_("day of week"))
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "D")

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        services.calendar_day_save(calendar_day=obj)

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        services.calendar_day_delete(calendar_day=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for obj in queryset:
            services.calendar_day_delete(calendar_day=obj)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "is_provisional", "source", "updated_at"]
    list_filter = ["is_provisional"]
    search_fields = ["source"]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        services.calendar_year_save(calendar_year=obj)

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        services.calendar_year_delete(calendar_year=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for obj in queryset:
            services.calendar_year_delete(calendar_year=obj)
