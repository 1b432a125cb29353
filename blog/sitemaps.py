from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from blog.models import Article
from pixelforge.public_url import origin


class PublicSitemap(Sitemap):
    """Locations on the public origin (pixelforge/public_url.py), not the request's Host."""

    def get_urls(self, page=1, site=None, protocol=None):
        public = origin(protocol or "https", lambda: site.domain if site else "")
        if public:
            parts = urlsplit(public)
            site, protocol = SimpleNamespace(domain=parts.netloc), parts.scheme
        return super().get_urls(page=page, site=site, protocol=protocol)


class PageSitemap(PublicSitemap):
    """The site's fixed pages: home, the tool and the blog index."""

    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["home", "tools:remove_background", "blog:index"]

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return 1.0 if item != "blog:index" else 0.6


class ArticleSitemap(PublicSitemap):
    changefreq = "monthly"
    priority = 0.7

    def items(self):
        return Article.objects.published().defer("body", "body_html")

    def lastmod(self, item: Article) -> datetime:
        return max(item.updated_at, item.published_at)


sitemaps = {"pages": PageSitemap, "articles": ArticleSitemap}
