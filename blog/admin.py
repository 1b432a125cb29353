from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from blog.models import Article, Status


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "status", "published_at", "is_live", "minutes"]
    list_filter = ["status", "category", "published_at"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    readonly_fields = ["reading_time", "created_at", "updated_at", "preview"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        ("Publication", {"fields": ["status", "published_at", "category", "author_name"]}),
        ("Cover image", {"fields": ["cover", "cover_alt"], "classes": ["collapse"]}),
        ("Rendered", {"fields": ["preview", "reading_time", "created_at", "updated_at"]}),
    ]

    class Media:
        css = {"all": ["blog/admin-preview.css"]}

    @admin.display(boolean=True, description="Live")
    def is_live(self, article: Article) -> bool:
        return article.is_published

    @admin.display(description="Read (min)", ordering="reading_time")
    def minutes(self, article: Article) -> int:
        return article.reading_time

    @admin.display(description="Preview of the saved body")
    def preview(self, article: Article) -> str:
        if not article.pk:
            return "Save the article to see its rendered body here."
        # body_html was sanitised by nh3 when the article was saved.
        return format_html(
            '<p><a href="{}" target="_blank" rel="noopener">Open the page</a> '
            "(staff can preview drafts)</p>"
            '<div class="blog-admin-preview">{}</div>',
            article.get_absolute_url(),
            mark_safe(article.body_html),
        )

    @admin.action(description="Publish the selected articles")
    def publish(self, request, queryset) -> None:
        updated = queryset.update(status=Status.PUBLISHED)
        self.message_user(request, f"Published {updated} article(s).")

    @admin.action(description="Return the selected articles to draft")
    def unpublish(self, request, queryset) -> None:
        updated = queryset.update(status=Status.DRAFT)
        self.message_user(request, f"Returned {updated} article(s) to draft.")
