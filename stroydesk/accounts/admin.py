from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.models import Applicant, PersonalDataAccess, User


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
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ("full_name", "kind", "organisation_name", "email", "phone", "created_at")
    list_filter = ("kind",)
    search_fields = ("full_name", "organisation_name", "email", "phone", "inn", "ogrn")
    raw_id_fields = ("user",)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "applicant", "context")
    list_select_related = ("actor", "applicant")
    search_fields = ("context", "actor__username", "applicant__full_name")

    def has_change_permission(self, request, obj=None):  # the trail is append-only
        return False

    def has_delete_permission(self, request, obj=None):
        return False
