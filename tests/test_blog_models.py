from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from blog.initial_content import load, parse
from blog.markup import WORDS_PER_MINUTE, reading_time, render_markdown, word_count
from blog.models import Article, Category, Status
from tests.blog_helpers import make_article, no_articles  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_articles")


def test_it_renders_markdown_on_save():
    article = make_article(
        body="## Step one\n\nUse **bold** and a [link](/tools/remove-background/)."
    )
    assert '<h2 id="step-one">Step one</h2>' in article.body_html
    assert "<strong>bold</strong>" in article.body_html
    assert (
        '<a href="/tools/remove-background/" rel="noopener noreferrer">link</a>'
        in article.body_html
    )


def test_it_keeps_lists_code_quotes_tables_and_images():
    html = render_markdown(
        "- one\n- two\n\n`code`\n\n> quoted\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n"
        '![A red mug](/media/mug.png "Mug")\n'
    )
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<code>code</code>" in html
    assert "<blockquote>" in html
    assert "<table>" in html and '<td align="right">2</td>' in html
    assert '<img alt="A red mug" src="/media/mug.png" title="Mug">' in html


def test_it_strips_script_tags():
    html = render_markdown("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html


def test_it_strips_event_handler_attributes():
    html = render_markdown(
        '<img src="/a.png" alt="a" onerror="alert(1)">\n\n<p onclick="x()">Hi</p>'
    )
    assert "onerror" not in html
    assert "onclick" not in html
    assert 'alt="a"' in html


def test_it_strips_javascript_links():
    html = render_markdown("[click](javascript:alert(1)) and <a href='JaVaScRiPt:alert(2)'>me</a>")
    assert "javascript" not in html.lower()
    assert "click" in html


def test_it_strips_styles_and_iframes():
    html = render_markdown(
        '<style>p{}</style><iframe src="https://example.com"></iframe><b style="x">b</b>'
    )
    assert "<style" not in html and "<iframe" not in html and "style=" not in html


def test_it_computes_reading_time_in_whole_minutes():
    assert reading_time("<p>Short.</p>") == 1
    assert reading_time("<p>" + "word " * WORDS_PER_MINUTE + "</p>") == 1
    assert reading_time("<p>" + "word " * (WORDS_PER_MINUTE + 1) + "</p>") == 2
    article = make_article(body="word " * (WORDS_PER_MINUTE * 3))
    assert article.reading_time == 3


def test_it_counts_words_not_markup():
    assert word_count('<p>Two <a href="/x">words</a></p><!-- not counted -->') == 2
    assert word_count("<p>Don't over-think it</p>") == 3


def test_published_means_published_and_not_in_the_future():
    live = make_article("Live")
    make_article("Draft", status=Status.DRAFT)
    make_article("Future", days_ago=-1)
    assert list(Article.objects.published()) == [live]
    assert live.is_published


def test_it_orders_newest_first():
    old = make_article("Old", days_ago=10)
    new = make_article("New", days_ago=1)
    assert list(Article.objects.all()) == [new, old]


def test_it_links_to_its_page():
    assert make_article("Hello there").get_absolute_url() == "/blog/hello-there/"


def test_related_prefers_the_same_category_then_recent():
    article = make_article("Subject", category=Category.TIPS)
    same = make_article("Same", category=Category.TIPS, days_ago=30)
    recent = make_article("Recent", category=Category.GUIDES, days_ago=2)
    older = make_article("Older", category=Category.GUIDES, days_ago=20)
    make_article("Oldest", category=Category.TECHNOLOGY, days_ago=40)
    make_article("Draft", category=Category.TIPS, status=Status.DRAFT)
    assert article.related() == [same, recent, older]


def test_it_rejects_reserved_slugs():
    article = Article(title="Feed", slug="feed", summary="s", body="b")
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "slug" in error.value.message_dict


def test_it_asks_for_cover_alt_text():
    cover = "blog/covers/how-ai-background-removal-works.jpg"
    article = Article(title="T", slug="t", summary="s", body="b", cover=cover)
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "cover_alt" in error.value.message_dict


def test_front_matter_parses():
    draft = parse(
        "---\ntitle: A: B\nslug: a-b\nsummary: S\ncategory: tips\nauthor: Me\n"
        "published_at: 2026-01-02T03:04:05+00:00\n---\n\nBody\n"
    )
    assert (draft.title, draft.slug, draft.category, draft.body) == (
        "A: B",
        "a-b",
        "tips",
        "Body\n",
    )
    assert draft.published_at.year == 2026


def test_front_matter_must_be_complete():
    with pytest.raises(ValueError, match="lacks slug"):
        parse("---\ntitle: T\n---\nBody")


def test_the_shipped_articles_load_and_read_well():
    call_command("load_articles", stdout=io.StringIO())
    articles = list(Article.objects.published())
    assert len(articles) >= 6
    assert {article.slug for article in articles} == {draft.slug for draft in load()}
    for article in articles:
        assert word_count(article.body_html) >= 500, article.slug
        assert 'href="/tools/remove-background/"' in article.body_html, article.slug
        assert article.category in Category.values
        assert article.published_at.year == 2026
        assert article.reading_time >= 2
        assert "<script" not in article.body_html
        assert article.cover_url and article.cover_alt, article.slug


def test_the_initial_articles_cover_every_category_and_have_unique_titles():
    drafts = load()
    assert {draft.category for draft in drafts} == set(Category.values)
    assert len({draft.title for draft in drafts}) == len(drafts)


def test_the_initial_articles_link_only_to_pages_that_exist(client):
    call_command("load_articles", stdout=io.StringIO())
    links = set()
    for article in Article.objects.all():
        links |= set(re.findall(r'href="(/[^"]*)"', article.body_html))
    assert links
    for link in sorted(links):
        if link.startswith("/tools/"):
            continue  # the tool page is tested by its own suite
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize(
    "cover",
    ["img/favicon.svg", "blog/covers/../../samples/cat.jpg", "blog/covers/none.jpg", "/etc/x.png"],
)
def test_a_cover_must_be_a_static_image_under_blog_covers(cover):
    article = Article(title="T", slug="t", summary="s", body="b", cover=cover, cover_alt="A")
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "cover" in error.value.message_dict


@pytest.mark.parametrize("field", ["title", "summary", "author_name", "cover_alt"])
def test_it_refuses_control_characters(field):
    article = Article(title="T", slug="t", summary="s", body="b")
    setattr(article, field, "Bad\x0bvalue")
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert field in error.value.message_dict
    assert "control characters" in str(error.value.message_dict[field])


def test_saving_strips_control_characters_that_skipped_validation():
    article = make_article("Vertical\x0btab", summary="Bell\x07 and\nline", body="A\x00b")
    article.refresh_from_db()
    assert (article.title, article.summary, article.body) == ("Verticaltab", "Bell and\nline", "Ab")


def test_the_migrations_import_no_live_module():
    """Content is loaded by a command; migrations stay frozen (no import of blog code)."""
    from pathlib import Path

    for path in (Path(__file__).parents[1] / "blog" / "migrations").glob("0*.py"):
        text = path.read_text()
        assert "initial_content" not in text and "blog.markup" not in text, path.name


def test_every_shipped_figure_and_cover_exists():
    """Figures are files made by `manage.py blog_figures`; articles embed them by path."""
    from django.contrib.staticfiles import finders

    call_command("load_articles", stdout=io.StringIO())
    figures = 0
    for article in Article.objects.all():
        assert finders.find(article.cover), article.slug
        for src in re.findall(r'<img src="/static/([^"]+)"', article.body_html):
            assert finders.find(src), src
            figures += 1
    assert figures >= 10
