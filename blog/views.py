from __future__ import annotations

from django.http import Http404
from django.views.generic import DetailView, ListView

from blog.models import Article, Category
from pixelforge.public_url import absolute_url


class ArticleListView(ListView):
    """Published articles, newest first; /blog/category/<slug>/ narrows to one category."""

    template_name = "blog/article_list.html"
    context_object_name = "articles"
    paginate_by = 9

    def get_queryset(self):
        self.category = self._category()
        articles = Article.objects.published().defer("body", "body_html")
        if self.category:
            articles = articles.filter(category=self.category)
        return articles

    def _category(self) -> Category | None:
        slug = self.kwargs.get("category")
        if slug is None:
            return None
        try:
            return Category(slug)
        except ValueError:
            raise Http404("No such category") from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        path = self.request.path
        context["category"] = self.category
        context["categories"] = Category.choices
        context["canonical_url"] = absolute_url(
            self.request, path if page.number == 1 else f"{path}?page={page.number}"
        )
        return context


class ArticleDetailView(DetailView):
    """One article. Staff may preview drafts and future articles; everyone else gets 404."""

    template_name = "blog/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        if self.request.user.is_staff:
            return Article.objects.all()
        return Article.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        context["related"] = article.related()
        context["canonical_url"] = absolute_url(self.request, article.get_absolute_url())
        if article.cover_url:
            context["cover_url"] = absolute_url(self.request, article.cover_url)
        return context
