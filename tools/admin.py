from django.contrib import admin

from tools.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "status",
        "width",
        "height",
        "processing_ms",
        "created_at",
        "expires_at",
    )
    list_filter = ("status", "model")
    readonly_fields = ("code", "created_at")
    search_fields = ("=code",)
