from __future__ import annotations

import re
from pathlib import PurePosixPath

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from blog.markup import reading_time, render_markdown

# Paths under /blog/ that an article slug must not shadow.
RESERVED_SLUGS = {"feed", "category", "page"}


class Category(models.TextChoices):
    TECHNOLOGY = "technology", "Technology"
    TIPS = "tips", "Tips"
    GUIDES = "guides", "Guides"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        """Articles the public may read: published, and not dated in the future."""
        return self.filter(status=Status.PUBLISHED, published_at__lte=timezone.now())


def validate_slug_is_free(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is a reserved path under /blog/; choose another slug.")


# Characters XML 1.0 cannot carry (the Atom feed) and no title needs: C0 controls and DEL.
# Text fields keep tab, newline and carriage return; one-line fields keep none of them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"[\t\n\r]+")


def without_control_characters(text: str, *, one_line: bool = False) -> str:
    text = CONTROL_CHARACTERS.sub("", text)
    return LINE_BREAKS.sub(" ", text) if one_line else text


def validate_no_control_characters(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError("Remove the invisible control characters from this text.")


def validate_one_line(value: str) -> None:
    validate_no_control_characters(value)
    if LINE_BREAKS.search(value):
        raise ValidationError("Keep this on one line: remove tabs and line breaks.")


COVER_DIR = "blog/covers/"
COVER_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp"}


def validate_cover(value: str) -> None:
    """A cover is a static file under static/blog/covers/ (public by design, unlike media)."""
    path = PurePosixPath(value)
    if (
        not value.startswith(COVER_DIR)
        or ".." in path.parts
        or path.suffix.lower() not in COVER_EXTENSIONS
    ):
        raise ValidationError(
            f"Give the path of a JPEG, PNG or WebP file under static/{COVER_DIR}, such as "
            f"{COVER_DIR}my-article.jpg."
        )
    if finders.find(value) is None:
        raise ValidationError(f"There is no static file {value}; add it under static/.")


class Article(models.Model):
    title = models.CharField(max_length=200, validators=[validate_one_line])
    slug = models.SlugField(max_length=200, unique=True, validators=[validate_slug_is_free])
    summary = models.TextField(
        max_length=300,
        help_text="One or two sentences: shown on the blog index, in search results and feeds.",
        validators=[validate_no_control_characters],
    )
    body = models.TextField(help_text="Markdown. Rendered and sanitised to HTML when saved.")
    body_html = models.TextField(editable=False, default="")
    category = models.CharField(max_length=20, choices=Category, default=Category.TIPS)
    author_name = models.CharField(
        max_length=100, default="The PixelForge team", validators=[validate_one_line]
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publication date",
        default=timezone.now,
        help_text="The article is public once it is published and this date has passed.",
    )
    cover = models.CharField(
        "cover image",
        max_length=200,
        blank=True,
        validators=[validate_cover],
        help_text=f"Path of a static file, such as {COVER_DIR}my-article.jpg (1200 x 630 px).",
    )
    cover_alt = models.CharField(
        "cover alt text",
        max_length=200,
        blank=True,
        validators=[validate_one_line],
        help_text="What the cover image shows, for people who cannot see it.",
    )
    reading_time = models.PositiveSmallIntegerField(
        "reading time (minutes)", editable=False, default=1
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        indexes = [models.Index(fields=["status", "published_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Validation refuses control characters; this keeps code paths that skip it safe too.
        for name in ("title", "author_name", "cover_alt"):
            setattr(self, name, without_control_characters(getattr(self, name), one_line=True))
        self.summary = without_control_characters(self.summary)
        self.body = without_control_characters(self.body)
        self.body_html = render_markdown(self.body)
        self.reading_time = reading_time(self.body_html)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("blog:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.cover and not self.cover_alt.strip():
            raise ValidationError({"cover_alt": "Describe the cover image for screen readers."})

    @property
    def cover_url(self) -> str:
        """The cover's (fingerprinted) static URL, or "" without a cover or when the file is
        missing (a value saved before covers became static paths)."""
        if not self.cover or finders.find(self.cover) is None:
            return ""
        try:
            return staticfiles_storage.url(self.cover)
        except ValueError:  # not in the manifest: collectstatic has not run since it was added
            return ""

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED and self.published_at <= timezone.now()

    def related(self, limit: int = 3) -> list[Article]:
        """Other published articles: the same category first, then the most recent."""
        others = Article.objects.published().exclude(pk=self.pk)
        related = list(others.filter(category=self.category)[:limit])
        if len(related) < limit:
            seen = [article.pk for article in related]
            related += others.exclude(pk__in=seen)[: limit - len(related)]
        return related
