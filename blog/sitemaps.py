from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from blog.models import Article


class PageSitemap(Sitemap):
    """The site's fixed pages: home, the tool and the blog index."""

    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["home", "tools:remove_background", "blog:index"]

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return 1.0 if item != "blog:index" else 0.6


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7

    def items(self):
        return Article.objects.published().defer("body", "body_html")

    def lastmod(self, item: Article) -> datetime:
        return max(item.updated_at, item.published_at)


sitemaps = {"pages": PageSitemap, "articles": ArticleSitemap}
