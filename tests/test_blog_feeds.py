from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from blog.models import Article, Status
from tests.blog_helpers import make_article, no_articles  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_articles")


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PIXELFORGE_PUBLIC_URL = "https://pixelforge.example"


ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse(response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.content)


def test_the_feed_lists_published_articles_newest_first(client):
    make_article("Older", days_ago=3, summary="Older summary")
    make_article("Newer", days_ago=1)
    make_article("Draft", status=Status.DRAFT)
    make_article("Future", days_ago=-1)
    response = client.get("/blog/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parse(response)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "PixelForge blog"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Newer", "Older"]
    older = entries[1]
    assert older.find(f"{ATOM}link").get("href") == "https://pixelforge.example/blog/older/"
    assert older.findtext(f"{ATOM}summary") == "Older summary"
    assert older.find(f"{ATOM}category").get("term") == "Tips"
    assert older.findtext(f"{ATOM}author/{ATOM}name") == "The PixelForge team"


def test_the_feed_is_valid_when_empty(client):
    feed = parse(client.get("/blog/feed/"))
    assert feed.findall(f"{ATOM}entry") == []


def test_the_feed_keeps_the_latest_twenty(client):
    for n in range(22):
        make_article(f"Article {n}", days_ago=n + 1)
    entries = parse(client.get("/blog/feed/")).findall(f"{ATOM}entry")
    assert len(entries) == 20
    assert entries[0].findtext(f"{ATOM}title") == "Article 0"


def test_the_sitemap_lists_pages_and_published_articles(client):
    make_article("Live")
    make_article("Draft", status=Status.DRAFT)
    make_article("Future", days_ago=-1)
    response = client.get("/sitemap.xml")
    urlset = parse(response)
    assert urlset.tag == f"{SITEMAP}urlset"
    locations = [url.findtext(f"{SITEMAP}loc") for url in urlset.findall(f"{SITEMAP}url")]
    assert sorted(locations) == sorted(
        [
            "https://pixelforge.example/",
            "https://pixelforge.example/tools/remove-background/",
            "https://pixelforge.example/blog/",
            "https://pixelforge.example/blog/live/",
        ]
    )
    article = next(
        u for u in urlset.findall(f"{SITEMAP}url") if u.findtext(f"{SITEMAP}loc").endswith("/live/")
    )
    assert article.findtext(f"{SITEMAP}lastmod")


def test_a_control_character_in_a_title_does_not_break_the_feed(client):
    """A title saved with \\x0b (before validation refused it) made the feed answer 500."""
    article = make_article("Clean title", summary="Summary")
    Article.objects.filter(pk=article.pk).update(
        title="Vertical\x0btab", summary="Bell\x07", author_name="A\x1bB"
    )
    feed = parse(client.get("/blog/feed/"))
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Verticaltab"
    assert entry.findtext(f"{ATOM}summary") == "Bell"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "AB"


def test_the_feed_links_each_cover_as_an_enclosure(client):
    article = make_article("Covered")
    article.cover = "blog/covers/how-ai-background-removal-works.jpg"
    article.cover_alt = "A cut-out"
    article.save()
    entry = parse(client.get("/blog/feed/")).find(f"{ATOM}entry")
    links = {link.get("rel"): link for link in entry.findall(f"{ATOM}link")}
    enclosure = links["enclosure"]
    assert enclosure.get("type") == "image/jpeg" and int(enclosure.get("length")) > 1000
    assert enclosure.get("href").startswith("https://pixelforge.example/static/blog/covers/")


def test_feed_sitemap_and_robots_never_echo_the_host_header(client, settings):
    # Before, each of them put the Host header's port (which Django does not check) in its links.
    make_article("Linked")
    settings.PIXELFORGE_PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["pixelforge.example", "localhost"]
    for path in ("/blog/feed/", "/sitemap.xml", "/robots.txt", "/blog/linked/", "/"):
        body = client.get(path, HTTP_HOST="localhost:6666").content.decode()
        assert "6666" not in body, path
        assert "http://pixelforge.example/" in body, path
