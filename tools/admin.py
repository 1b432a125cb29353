from django.contrib import admin

from tools.models import Job
from tools.services import metrics


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "kind",
        "status",
        "stage",
        "width",
        "height",
        "processing_ms",
        "created_at",
        "expires_at",
    )
    list_filter = ("status", "kind", "model")
    readonly_fields = ("code", "created_at", "stage_ms", "error")
    search_fields = ("=code",)
    change_list_template = "admin/tools/job/change_list.html"

    def changelist_view(self, request, extra_context=None):
        """The job list with the queue's figures above it: depth, stage times, failures."""
        extra_context = {**(extra_context or {}), "summary": metrics.summary()}
        return super().changelist_view(request, extra_context=extra_context)
