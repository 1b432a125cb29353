from __future__ import annotations

import pytest

from blog.models import Article, Status
from tests.blog_helpers import make_article, no_articles  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_articles")


def test_the_article_list_loads(admin_client):
    make_article("Listed")
    response = admin_client.get("/admin/blog/article/")
    assert response.status_code == 200
    assert "Listed" in response.content.decode()


def test_the_list_filters_and_searches(admin_client):
    make_article("Findable")
    make_article("Other")
    response = admin_client.get("/admin/blog/article/", {"q": "findable", "status": "published"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [Article.objects.get(slug="findable")]


def test_the_add_page_loads_with_slug_prepopulated_from_title(admin_client):
    response = admin_client.get("/admin/blog/article/add/")
    assert response.status_code == 200
    body = response.content.decode()
    prepopulated = body.replace("&quot;", '"')
    assert '"id": "#id_slug", "name": "slug", "dependency_ids": ["#id_title"]' in prepopulated
    assert "Save the article to see its rendered body here." in body


def test_the_change_page_shows_the_rendered_preview(admin_client):
    article = make_article("Previewed", body="## Heading\n\nText <script>alert(1)</script>")
    response = admin_client.get(f"/admin/blog/article/{article.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<div class="blog-admin-preview"><h2 id="heading">Heading</h2>' in body
    assert "<script>alert(1)" not in body


def test_saving_in_the_admin_renders_the_body(admin_client):
    response = admin_client.post(
        "/admin/blog/article/add/",
        {
            "title": "Written in admin",
            "slug": "written-in-admin",
            "summary": "S",
            "body": "Some *emphasis*.",
            "status": Status.DRAFT,
            "published_at_0": "2026-11-01",
            "published_at_1": "10:00:00",
            "category": "tips",
            "author_name": "Ada",
            "cover_alt": "",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="written-in-admin")
    assert article.body_html == "<p>Some <em>emphasis</em>.</p>"


def test_the_publish_action_publishes(admin_client):
    article = make_article("Waiting", status=Status.DRAFT)
    response = admin_client.post(
        "/admin/blog/article/",
        {"action": "publish", "_selected_action": [article.pk]},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
