from __future__ import annotations

import mimetypes
from datetime import datetime
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure

from blog.models import Article, without_control_characters
from pixelforge.public_url import absolute_url


class LatestArticlesFeed(Feed):
    """An Atom feed of the 20 latest published articles."""

    feed_type = Atom1Feed
    title = "PixelForge blog"
    subtitle = "Practical tips on background removal, product photos and image editing."
    author_name = "The PixelForge team"

    # Text goes through without_control_characters: XML cannot carry them, and one bad row
    # (saved before validation refused them) must not break the feed for everyone.

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return None

    def items(self):
        return Article.objects.published()[:20]

    # Full URLs on the public origin, so Django does not add the request's Host to them.
    def link(self) -> str:
        return absolute_url(self.request, reverse("blog:index"))

    def feed_url(self) -> str:
        return absolute_url(self.request, reverse("blog:feed"))

    def item_link(self, item: Article) -> str:
        return absolute_url(self.request, item.get_absolute_url())

    def item_title(self, item: Article) -> str:
        return without_control_characters(item.title, one_line=True)

    def item_description(self, item: Article) -> str:
        return without_control_characters(item.summary)

    def item_author_name(self, item: Article) -> str:
        return without_control_characters(item.author_name, one_line=True)

    def item_enclosures(self, item: Article) -> list[Enclosure]:
        """The cover image, for feed readers that show one."""
        if not item.cover_url:
            return []
        found = finders.find(item.cover)
        url = absolute_url(self.request, item.cover_url)
        kind = mimetypes.guess_type(found)[0] or "image/jpeg"
        return [Enclosure(url, str(Path(found).stat().st_size), kind)]

    def item_pubdate(self, item: Article) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Article) -> datetime:
        return max(item.updated_at, item.published_at)

    def item_categories(self, item: Article) -> list[str]:
        return [item.get_category_display()]
