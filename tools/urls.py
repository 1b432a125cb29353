from django.urls import include, path

from tools import views

app_name = "tools"

# Everything about one job, under remove-background/r/<code>/.
job_patterns = [
    path("", views.result, name="result"),
    path("delete/", views.delete, name="delete"),
    path("status/", views.status, name="status"),
    path("view/<slug:kind>/", views.image, name="image"),
    path("download/<slug:fmt>/", views.download, name="download"),
    path("subjects/<int:index>/", views.subject_download, name="subject_download"),
    path("subjects/<int:index>/thumb/", views.subject_thumb, name="subject_thumb"),
    path("refine/", include("tools.urls_refine")),
]

# Everything about one batch, under batch/<code>/.
batch_patterns = [
    path("", views.batch, name="batch"),
    path("status/", views.batch_status, name="batch_status"),
    path("zip/", views.batch_zip, name="batch_zip"),
    path("delete/", views.batch_delete, name="batch_delete"),
    path("thumb/<uuid:job>/", views.batch_thumb, name="batch_thumb"),
]

urlpatterns = [
    path("remove-background/", views.remove_background, name="remove_background"),
    path("remove-background/sample/", views.sample, name="sample"),
    path("remove-background/r/<uuid:code>/", include(job_patterns)),
    path("batch/<uuid:code>/", include(batch_patterns)),
]
