"""Shared helpers for the tests/test_blog_*.py files."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Article, Category, Status


def make_article(
    title: str = "A useful article",
    *,
    slug: str | None = None,
    category: str = Category.TIPS,
    status: str = Status.PUBLISHED,
    days_ago: float = 1,
    body: str = "Some **useful** text.",
    summary: str = "What this article is about.",
) -> Article:
    return Article.objects.create(
        title=title,
        slug=slug or title.lower().replace(" ", "-"),
        summary=summary,
        body=body,
        category=category,
        status=status,
        published_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def no_articles(db):
    """Start from an empty blog: the data migration ships articles into every test database."""
    Article.objects.all().delete()
