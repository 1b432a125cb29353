from django.urls import path

from blog import feeds, views

app_name = "blog"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="index"),
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("category/<slug:category>/", views.ArticleListView.as_view(), name="category"),
    path("<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
]
