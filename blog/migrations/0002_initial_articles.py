"""The articles a fresh site ships with. Texts live in blog/content/*.md."""

from django.db import migrations

from blog.initial_content import load
from blog.markup import reading_time, render_markdown


def create_articles(apps, schema_editor):
    Article = apps.get_model("blog", "Article")
    for draft in load():
        # Historical models have no custom save(), so render here as Article.save() does.
        body_html = render_markdown(draft.body)
        Article.objects.update_or_create(
            slug=draft.slug,
            defaults={
                "title": draft.title,
                "summary": draft.summary,
                "body": draft.body,
                "body_html": body_html,
                "reading_time": reading_time(body_html),
                "category": draft.category,
                "author_name": draft.author,
                "published_at": draft.published_at,
                "status": "published",
            },
        )


def delete_articles(apps, schema_editor):
    Article = apps.get_model("blog", "Article")
    Article.objects.filter(slug__in=[draft.slug for draft in load()]).delete()


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]

    operations = [migrations.RunPython(create_articles, delete_articles)]
