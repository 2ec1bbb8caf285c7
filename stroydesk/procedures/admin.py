"""The catalogue in the admin: an edit is checked against the whole catalogue (no dangling
dependency, no cycle) and shows in the next calculation; saved plans are read-only records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from . import services
from .catalogue import CatalogueError, _spec
from .loading import spec_fields
from .models import CatalogueLoad, PlanRequestLink, Procedure, SavedPlan


class ProcedureForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = (
            "code",
            "title_ru",
            "title_en",
            "authority_code",
            "authority_name",
            "legal_basis",
            "term",
            "unit",
            "term_confirmed",
            "term_note",
            "fee_rub",
            "fee_rule",
            "documents",
            "depends_on",
            "applies_when",
            "optional_when",
            "reason_ru",
            "reason_en",
            "duration_from_profile",
            "source",
            "position",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        candidate = self.instance
        for name, value in data.items():
            setattr(candidate, name, value)
        try:
            # The same checks as the file loader: rules, units, then the whole graph.
            _spec(_entry(candidate), candidate.position)
            services.procedure_check(procedure=candidate)
        except CatalogueError as exc:
            raise ValidationError(str(exc)) from None
        return data


def _entry(p: Procedure) -> dict[str, Any]:
    fields = spec_fields(p.to_spec())
    return {
        "code": p.code,
        "title": {"ru": fields["title_ru"], "en": fields["title_en"]},
        "authority": {"code": p.authority_code, "name": p.authority_name},
        "legal_basis": p.legal_basis,
        "term": {"max": p.term, "unit": p.unit, "confirmed": p.term_confirmed},
        "depends_on": p.depends_on,
        "applies_when": p.applies_when or {},
        "optional_when": p.optional_when,
        "_source": p.source,
    }


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    form = ProcedureForm
    list_display = ("code", "title_ru", "authority_name", "term", "unit", "term_confirmed")
    list_filter = ("unit", "term_confirmed")
    search_fields = ("code", "title_ru", "title_en", "legal_basis")

    def save_model(self, request: HttpRequest, obj: Procedure, form: Any, change: bool) -> None:
        services.procedure_save(procedure=obj)

    def delete_model(self, request: HttpRequest, obj: Procedure) -> None:
        try:
            services.procedure_delete(procedure=obj)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])

    def has_delete_permission(self, request: HttpRequest, obj: Procedure | None = None) -> bool:
        # Bulk deletion would skip the dependency check; one at a time goes through the service.
        return obj is not None and super().has_delete_permission(request, obj)


@admin.register(CatalogueLoad)
class CatalogueLoadAdmin(admin.ModelAdmin):
    list_display = ("version", "loaded_at", "loaded_by", "procedures")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SavedPlan)
class SavedPlanAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "start_date", "created_at")
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at",)


@admin.register(PlanRequestLink)
class PlanRequestLinkAdmin(admin.ModelAdmin):
    list_display = ("plan", "request_id", "created_at")
    raw_id_fields = ("plan",)
