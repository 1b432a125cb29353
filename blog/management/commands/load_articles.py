"""Create or update the blog's articles from blog/content/*.md, matched by slug.

Run it after every deploy (``make run`` and ``make test`` do): an edited .md file reaches the
database; an unchanged one is left alone; articles written in the admin are never touched.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from blog.initial_content import CONTENT_DIR, Draft, load
from blog.models import Article

FIELDS = ("title", "summary", "body", "category", "published_at", "cover", "cover_alt", "status")


def values_of(draft: Draft) -> dict:
    values = {name: getattr(draft, name) for name in FIELDS}
    values["author_name"] = draft.author
    return values


def load_articles(directory: Path = CONTENT_DIR) -> dict[str, list[str]]:
    """Create or update an article per file; returns the slugs created, updated, unchanged."""
    done: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    for draft in load(directory):
        values = values_of(draft)
        article = Article.objects.filter(slug=draft.slug).first()
        if article is None:
            article, outcome = Article(slug=draft.slug), "created"
        elif all(getattr(article, name) == value for name, value in values.items()):
            done["unchanged"].append(draft.slug)
            continue
        else:
            outcome = "updated"
        for name, value in values.items():
            setattr(article, name, value)
        try:
            article.full_clean(exclude=["slug"] if outcome == "updated" else None)
        except ValidationError as exc:
            raise CommandError(f"{draft.slug}: {exc}") from None
        article.save()
        done[outcome].append(draft.slug)
    return done


class Command(BaseCommand):
    help = "Create or update the blog articles from blog/content/*.md, matched by slug."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dir",
            type=Path,
            default=CONTENT_DIR,
            help="Folder of .md files (default: %(default)s)",
        )

    def handle(self, *args, dir: Path, **options) -> None:
        try:
            with transaction.atomic():
                done = load_articles(dir)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for outcome in ("created", "updated"):
            for slug in done[outcome]:
                self.stdout.write(f"{outcome.capitalize()} {slug}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Articles: {len(done['created'])} created, {len(done['updated'])} updated, "
                f"{len(done['unchanged'])} unchanged."
            )
        )
