from __future__ import annotations

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


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, validators=[validate_slug_is_free])
    summary = models.TextField(
        max_length=300,
        help_text="One or two sentences: shown on the blog index, in search results and feeds.",
    )
    body = models.TextField(help_text="Markdown. Rendered and sanitised to HTML when saved.")
    body_html = models.TextField(editable=False, default="")
    category = models.CharField(max_length=20, choices=Category, default=Category.TIPS)
    author_name = models.CharField(max_length=100, default="The PixelForge team")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publication date",
        default=timezone.now,
        help_text="The article is public once it is published and this date has passed.",
    )
    cover = models.ImageField(upload_to="blog/covers/%Y/", blank=True)
    cover_alt = models.CharField(
        "cover alt text",
        max_length=200,
        blank=True,
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
        self.body_html = render_markdown(self.body)
        self.reading_time = reading_time(self.body_html)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("blog:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.cover and not self.cover_alt.strip():
            raise ValidationError({"cover_alt": "Describe the cover image for screen readers."})

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
