from __future__ import annotations

import io
import re
import urllib.request

import pytest
from PIL import Image

from blog.models import Article, Category, Status
from tests.blog_helpers import make_article, no_articles  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_articles")


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PIXELFORGE_PUBLIC_URL = "https://pixelforge.example"


def titles(response) -> list[str]:
    return [article.title for article in response.context["articles"]]


def test_it_lists_published_articles_newest_first(client):
    make_article("Older", days_ago=5)
    make_article("Newer", days_ago=1)
    response = client.get("/blog/")
    assert response.status_code == 200
    assert titles(response) == ["Newer", "Older"]
    assert 'href="/blog/newer/"' in response.content.decode()


def test_it_hides_drafts_and_future_articles_from_the_list(client):
    make_article("Live")
    make_article("Draft", status=Status.DRAFT)
    make_article("Future", days_ago=-2)
    response = client.get("/blog/")
    assert titles(response) == ["Live"]
    body = response.content.decode()
    assert "Draft" not in body and "Future" not in body


def test_it_paginates_nine_per_page(client):
    for n in range(11):
        make_article(f"Article {n}", days_ago=n + 1)
    first = client.get("/blog/")
    assert titles(first) == [f"Article {n}" for n in range(9)]
    assert 'rel="next" href="?page=2"' in first.content.decode()
    second = client.get("/blog/?page=2")
    assert titles(second) == ["Article 9", "Article 10"]
    assert 'rel="prev" href="?page=1"' in second.content.decode()
    assert (
        '<link rel="canonical" href="https://pixelforge.example/blog/?page=2">'
        in second.content.decode()
    )
    assert client.get("/blog/?page=3").status_code == 404


def test_it_filters_by_category(client):
    make_article("A tip", category=Category.TIPS)
    make_article("A guide", category=Category.GUIDES)
    response = client.get("/blog/category/guides/")
    assert response.status_code == 200
    assert titles(response) == ["A guide"]
    body = response.content.decode()
    assert '<a href="/blog/category/guides/" aria-current="page">Guides</a>' in body
    assert '<a href="/blog/category/tips/">Tips</a>' in body
    assert "<h1>Guides</h1>" in body


def test_it_404s_for_an_unknown_category(client):
    assert client.get("/blog/category/gossip/").status_code == 404


def test_it_says_when_a_category_is_empty(client):
    response = client.get("/blog/category/technology/")
    assert response.status_code == 200
    assert "No articles here yet" in response.content.decode()


def test_the_list_links_the_feed_and_has_a_clean_canonical(client):
    body = client.get("/blog/?utm_source=x").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in body
    assert 'href="/blog/feed/"' in body
    assert '<link rel="canonical" href="https://pixelforge.example/blog/">' in body
    assert "/static/css/blog.css" in body


def test_it_shows_an_article(client):
    make_article("Guide", category=Category.GUIDES, body="word " * 450)
    article = make_article("Main", category=Category.TIPS, body="## Hello\n\nThe **body**.")
    response = client.get("/blog/main/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Main</h1>" in body
    assert '<a href="/blog/">← Back to Blog</a>' in body
    assert '<a href="/blog/category/tips/">Tips</a>' in body
    assert f'<time datetime="{article.published_at.isoformat()}">' in body
    assert "1 min read" in body
    assert "<strong>body</strong>" in body
    assert 'href="/tools/remove-background/"' in body
    assert "Related articles" in body and 'href="/blog/guide/"' in body


def test_it_hides_drafts(client):
    make_article("Secret", status=Status.DRAFT)
    assert client.get("/blog/secret/").status_code == 404


def test_it_hides_future_articles(client):
    make_article("Tomorrow", days_ago=-1)
    assert client.get("/blog/tomorrow/").status_code == 404


def test_it_lets_staff_preview_drafts(admin_client):
    make_article("Secret", status=Status.DRAFT)
    response = admin_client.get("/blog/secret/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Preview: this article is not public yet" in body
    assert '<meta name="robots" content="noindex">' in body


def test_it_shows_at_most_three_related_articles(client):
    for n in range(5):
        make_article(f"Other {n}", days_ago=n + 2)
    make_article("Main")
    response = client.get("/blog/main/")
    assert [a.title for a in response.context["related"]] == ["Other 0", "Other 1", "Other 2"]


def test_it_has_no_related_section_when_alone(client):
    make_article("Alone")
    assert "Related articles" not in client.get("/blog/alone/").content.decode()


def test_the_article_has_open_graph_and_twitter_tags(client):
    article = make_article("Social", summary="A summary & more")
    body = client.get("/blog/social/").content.decode()
    assert '<link rel="canonical" href="https://pixelforge.example/blog/social/">' in body
    assert '<meta property="og:type" content="article">' in body
    assert '<meta property="og:title" content="Social">' in body
    assert '<meta property="og:description" content="A summary &amp; more">' in body
    assert '<meta property="og:url" content="https://pixelforge.example/blog/social/">' in body
    published = article.published_at.isoformat()
    assert f'<meta property="article:published_time" content="{published}">' in body
    assert '<meta name="twitter:card" content="summary">' in body
    assert "og:image" not in body
    assert body.count('property="og:type"') == 1


def test_the_article_has_og_image_when_it_has_a_cover(client, live_server):
    article = make_article("Covered")
    article.cover = "blog/covers/how-ai-background-removal-works.jpg"
    article.cover_alt = "A red mug on white"
    article.full_clean()
    article.save()
    body = client.get("/blog/covered/").content.decode()
    url = re.search(r'<meta property="og:image" content="([^"]+)">', body).group(1)
    assert url.startswith("https://pixelforge.example/static/blog/covers/")
    assert '<meta name="twitter:card" content="summary_large_image">' in body
    assert 'alt="A red mug on white"' in body
    # The cover is served over HTTP (static files, never the private media of jobs).
    path = url.removeprefix("https://pixelforge.example")
    with urllib.request.urlopen(live_server.url + path) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(response.read())).size == (1200, 630)
    listing = client.get("/blog/").content.decode()
    assert 'class="article-card-cover" src="/static/blog/covers/' in listing


def test_a_cover_whose_file_is_gone_is_left_out(client):
    article = make_article("Old cover")
    Article.objects.filter(pk=article.pk).update(cover="blog/covers/2026/uploaded.png")
    body = client.get("/blog/old-cover/").content.decode()
    assert "og:image" not in body


def test_article_pages_have_no_inline_scripts(client):
    make_article("Clean", body="<script>alert(1)</script>Text")
    body = client.get("/blog/clean/").content.decode()
    assert "<script" not in body
    assert "style=" not in body


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /tools/remove-background/r/" in lines
    assert "Sitemap: https://pixelforge.example/sitemap.xml" in lines
