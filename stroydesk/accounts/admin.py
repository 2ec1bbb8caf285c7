from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.audit import access_record
from stroydesk.accounts.models import ApiToken, Applicant, PersonalDataAccess, TotpDevice, User


class AccessLoggedAdmin(admin.ModelAdmin):
    """An admin whose pages show applicants' personal data: each list page and each opened
    object is one entry of the access log, naming the applicants shown (``applicant_ids_of``)."""

    access_context = "admin"

    def applicant_ids_of(self, obj: Any) -> list[int]:
        raise NotImplementedError

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data:
            changelist = response.context_data.get("cl")
            if changelist is not None:
                ids = [i for obj in changelist.result_list for i in self.applicant_ids_of(obj)]
                self._record(request, ids, f"{self.access_context} list")
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data:
            original = response.context_data.get("original")
            if original is not None:
                context = f"{self.access_context} {original.pk}"
                self._record(request, self.applicant_ids_of(original), context)
        return response

    def _record(self, request: HttpRequest, ids: list[int], context: str) -> None:
        user = request.user
        if isinstance(user, User):
            access_record(actor=user, applicants=ids, context=context)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "last_name", "first_name", "email", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Contact center"), {"fields": ("role", "middle_name", "email_confirmed_at")}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        (_("Contact center"), {"fields": ("role", "email", "first_name", "last_name")}),
    )


@admin.register(Applicant)
class ApplicantAdmin(AccessLoggedAdmin):
    access_context = "admin applicant"
    list_display = ("full_name", "kind", "organisation_name", "email", "phone", "created_at")
    list_filter = ("kind",)
    search_fields = ("full_name", "organisation_name", "email", "phone", "inn", "ogrn")
    raw_id_fields = ("user",)

    def applicant_ids_of(self, obj: Applicant) -> list[int]:
        return [obj.pk]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "applicant", "context")
    list_select_related = ("actor", "applicant")
    search_fields = ("context", "actor__username", "applicant__full_name")
    readonly_fields = [f.name for f in PersonalDataAccess._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):  # the trail is append-only
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are listed by their first characters only: the key itself is kept nowhere."""

    list_display = ("prefix", "user", "name", "scope", "created_at", "expires_at", "revoked_at")
    list_filter = ("scope",)
    list_select_related = ("user",)
    search_fields = ("user__username", "name", "prefix")
    fields = ("user", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):  # made by their owner, through the API or the page
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    """Deleting a user's app (a lost phone) makes them set one up at the next sign-in; the
    secret is not shown."""

    list_display = ("user", "confirmed_at", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "confirmed_at", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
