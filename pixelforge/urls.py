from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from blog.sitemaps import sitemaps
from pixelforge import admin_login, views
from pixelforge.metrics import metrics_view

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("licences/", views.licences, name="licences"),
    path("metrics", metrics_view, name="metrics"),
    path("tools/", include("tools.urls")),
    path("api/", include("tools.api.urls")),
    path("blog/", include("blog.urls")),
    path("admin/login/", admin_login.login),  # throttled; the rest of the admin as usual
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
]
