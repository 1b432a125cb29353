"""The refine page's URL, included under a result's URL by tools/urls.py."""

from django.urls import path

from tools.views.refine import refine

urlpatterns = [path("", refine, name="refine")]
