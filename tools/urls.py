from django.urls import include, path

from tools import views

app_name = "tools"

urlpatterns = [
    path("remove-background/", views.remove_background, name="remove_background"),
    path("remove-background/sample/", views.sample, name="sample"),
    path("remove-background/r/<uuid:code>/", views.result, name="result"),
    path("remove-background/r/<uuid:code>/delete/", views.delete, name="delete"),
    path("remove-background/r/<uuid:code>/status/", views.status, name="status"),
    path("remove-background/r/<uuid:code>/view/<slug:kind>/", views.image, name="image"),
    path("remove-background/r/<uuid:code>/download/<slug:fmt>/", views.download, name="download"),
    path(
        "remove-background/r/<uuid:code>/subjects/<int:index>/",
        views.subject_download,
        name="subject_download",
    ),
    path(
        "remove-background/r/<uuid:code>/subjects/<int:index>/thumb/",
        views.subject_thumb,
        name="subject_thumb",
    ),
    path("remove-background/r/<uuid:code>/refine/", include("tools.urls_refine")),
    path("batch/<uuid:code>/", views.batch, name="batch"),
    path("batch/<uuid:code>/status/", views.batch_status, name="batch_status"),
    path("batch/<uuid:code>/zip/", views.batch_zip, name="batch_zip"),
    path("batch/<uuid:code>/delete/", views.batch_delete, name="batch_delete"),
    path("batch/<uuid:code>/thumb/<uuid:job>/", views.batch_thumb, name="batch_thumb"),
]
