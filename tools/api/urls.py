from django.urls import path, re_path

from tools.api import views

app_name = "api"

urlpatterns = [
    path("", views.docs, name="docs"),
    path("openapi.json", views.openapi, name="openapi"),
    path("v1/remove-background", views.remove_background, name="remove_background"),
    path("v1/jobs/<uuid:code>", views.job_status, name="job"),
    path("v1/jobs/<uuid:code>/result", views.job_result, name="job_result"),
    re_path(r"^v1/jobs/[^/]*(?:/result)?$", views.job_not_found),  # not a UUID
    re_path(r"", views.not_found),  # JSON, not the site's HTML page, everywhere under /api/
]
