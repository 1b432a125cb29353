"""manage.py load_articles: articles come from .md files, created or updated by slug."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from blog.models import Article, Status
from tests.blog_helpers import make_article, no_articles  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_articles")

HEADER = """---
title: {title}
slug: lighting-tips
summary: How light makes the cut-out.
category: tips
author: The PixelForge team
published_at: 2026-02-03T09:00:00+00:00
cover: blog/covers/tips-for-best-background-removal-results.jpg
cover_alt: A cat cut out from its background
---
{body}
"""


def write(folder, title: str = "Lighting tips", body: str = "Use **soft** light.") -> None:
    (folder / "10-lighting.md").write_text(HEADER.format(title=title, body=body))


def load(folder) -> str:
    out = io.StringIO()
    call_command("load_articles", "--dir", str(folder), stdout=out)
    return out.getvalue()


def test_it_creates_an_article_from_a_file(tmp_path):
    write(tmp_path)
    assert "1 created, 0 updated, 0 unchanged" in load(tmp_path)
    article = Article.objects.get(slug="lighting-tips")
    assert article.title == "Lighting tips" and article.status == Status.PUBLISHED
    assert "<strong>soft</strong>" in article.body_html
    assert article.cover_url.endswith(".jpg") and article.cover_alt
    assert article.published_at.isoformat() == "2026-02-03T09:00:00+00:00"


def test_it_updates_the_article_with_the_same_slug(tmp_path):
    write(tmp_path)
    load(tmp_path)
    first = Article.objects.get(slug="lighting-tips")
    write(tmp_path, title="Lighting tips, revised", body="Use *diffuse* light.")
    assert "Updated lighting-tips" in load(tmp_path)
    article = Article.objects.get(slug="lighting-tips")
    assert article.pk == first.pk and Article.objects.count() == 1
    assert article.title == "Lighting tips, revised"
    assert "<em>diffuse</em>" in article.body_html


def test_it_is_idempotent_and_leaves_other_articles_alone(tmp_path):
    by_hand = make_article("Written in the admin")
    write(tmp_path)
    load(tmp_path)
    stamp = Article.objects.get(slug="lighting-tips").updated_at
    assert "0 created, 0 updated, 1 unchanged" in load(tmp_path)
    assert Article.objects.get(slug="lighting-tips").updated_at == stamp
    assert Article.objects.get(pk=by_hand.pk).title == "Written in the admin"


def test_a_bad_file_stops_the_load_and_changes_nothing(tmp_path):
    write(tmp_path, title="Bad\x1btitle")
    with pytest.raises(CommandError, match=r"lighting-tips.*control characters"):
        load(tmp_path)
    (tmp_path / "10-lighting.md").write_text("no front matter")
    with pytest.raises(CommandError, match="no front matter"):
        load(tmp_path)
    assert not Article.objects.exists()


def test_the_shipped_articles_load_twice_without_change():
    first = io.StringIO()
    call_command("load_articles", stdout=first)
    assert "0 updated" in first.getvalue()
    again = io.StringIO()
    call_command("load_articles", stdout=again)
    assert "0 created, 0 updated" in again.getvalue()
