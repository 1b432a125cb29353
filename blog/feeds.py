from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from blog.models import Article


class LatestArticlesFeed(Feed):
    """An Atom feed of the 20 latest published articles."""

    feed_type = Atom1Feed
    title = "PixelForge blog"
    link = reverse_lazy("blog:index")
    subtitle = "Practical tips on background removal, product photos and image editing."
    author_name = "The PixelForge team"

    def items(self):
        return Article.objects.published()[:20]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.summary

    def item_author_name(self, item: Article) -> str:
        return item.author_name

    def item_pubdate(self, item: Article) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Article) -> datetime:
        return max(item.updated_at, item.published_at)

    def item_categories(self, item: Article) -> list[str]:
        return [item.get_category_display()]
