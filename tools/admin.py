from django.contrib import admin

from tools.models import Batch, Job
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


class BatchJobInline(admin.TabularInline):
    model = Job
    fields = ("code", "original_name", "status", "stage", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    """Several files uploaded at once; each file is a Job (listed inline)."""

    list_display = ("code", "created_at", "expires_at")
    readonly_fields = ("code", "created_at", "rejected")
    search_fields = ("=code",)
    inlines = (BatchJobInline,)
