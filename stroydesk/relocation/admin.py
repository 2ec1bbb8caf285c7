"""The resettlement data, crews and orders in the admin; a new binding code is shown once."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from stroydesk.relocation import services
from stroydesk.relocation.models import (
    Building,
    Capacity,
    Crew,
    Dispatcher,
    Household,
    Order,
    OrderHistory,
    OrderRequest,
)


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("address", "kind", "district")
    list_filter = ("kind", "district")
    search_fields = ("address",)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("__str__", "head_name", "window_start", "window_end", "resident")
    list_filter = ("old_building__district",)
    search_fields = ("old_building__address", "old_flat", "head_name")
    raw_id_fields = ("resident",)
    exclude = ("code_hash",)
    readonly_fields = ("code_attempts", "bound_at")
    actions = ["issue_code"]

    @admin.action(description=_("Issue a new binding code"))
    def issue_code(self, request: HttpRequest, queryset: QuerySet[Household]) -> None:
        for household in queryset:
            code = services.household_issue_code(household=household)
            messages.info(request, f"{household}: {code}")


@admin.register(Crew)
class CrewAdmin(admin.ModelAdmin):
    list_display = ("name", "district", "truck", "is_active")
    list_filter = ("district", "is_active")

    def save_model(self, request: HttpRequest, obj: Crew, form: Any, change: bool) -> None:
        before = Crew.objects.filter(pk=obj.pk).values_list("district", flat=True).first()
        super().save_model(request, obj, form, change)
        for district in {d for d in (obj.district, before) if d}:
            services.capacity_follow_crews(district=district)


@admin.register(Dispatcher)
class DispatcherAdmin(admin.ModelAdmin):
    list_display = ("user", "is_active")
    raw_id_fields = ("user",)


@admin.register(Capacity)
class CapacityAdmin(admin.ModelAdmin):
    list_display = ("district", "date", "window", "used", "total")
    list_filter = ("district",)
    date_hierarchy = "date"
    readonly_fields = ("used",)


class HistoryInline(admin.TabularInline):
    model = OrderHistory
    extra = 0
    can_delete = False
    readonly_fields = ("action", "actor", "at", "from_status", "to_status", "data")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read-only: an order changes only through its lifecycle (dispatcher's workspace)."""

    list_display = ("pk", "kind", "date", "window", "district", "status", "crew")
    list_filter = ("status", "kind", "district")
    date_hierarchy = "date"
    inlines = [HistoryInline]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OrderRequest)
class OrderRequestAdmin(admin.ModelAdmin):
    list_display = ("number", "order", "created_at")
