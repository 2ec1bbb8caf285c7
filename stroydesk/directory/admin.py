from django.contrib import admin

from stroydesk.directory.models import Authority, Specialist, Topic


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ("short_name", "code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("short_name", "name", "code")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "code", "position", "is_active")
    list_filter = ("parent", "is_active")
    search_fields = ("name", "code")
    filter_horizontal = ("authorities",)


@admin.register(Specialist)
class SpecialistAdmin(admin.ModelAdmin):
    list_display = ("user", "authority", "position")
    list_filter = ("authority",)
    raw_id_fields = ("user",)
