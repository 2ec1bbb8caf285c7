"""Admin of consultations: offices, rooms, subjects, experts with hours and absences. Bookings
are read-only here: they change only through the services, which keep the held time right."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from stroydesk.consultations.models import (
    Absence,
    Booking,
    BookingHistory,
    Expert,
    Office,
    Room,
    Subject,
    WorkingHours,
)


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "address"]
    inlines = [RoomInline]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "online", "in_person", "duration_minutes", "is_active"]
    list_filter = ["is_active", "online", "in_person"]


class HoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "online", "room", "is_active"]
    filter_horizontal = ["subjects"]
    inlines = [HoursInline, AbsenceInline]


class HistoryInline(admin.TabularInline):
    model = BookingHistory
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "at", "from_status", "to_status", "data"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["start", "subject", "expert", "format", "status"]
    list_filter = ["status", "format", "subject"]
    inlines = [HistoryInline]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
