"""Regenerate the blog's figures and cover images from the pipeline (see blog/figures.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from blog.figures import STATIC, generate


class Command(BaseCommand):
    help = (
        "Regenerate static/blog/figures/ and static/blog/covers/ by running the background "
        "remover on the shipped sample photos. Re-run after changing the model or the matting."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--model",
            default=settings.PIXELFORGE_DEFAULT_MODEL,
            help="Model to use (default: the site's, %(default)s)",
        )

    def handle(self, *args, model: str, **options) -> None:
        written = generate(model=model, log=self.stdout.write)
        total = sum(path.stat().st_size for path in written)
        for path in written:
            size = path.stat().st_size / 1024
            self.stdout.write(f"  {path.relative_to(STATIC)}  {size:.0f} KB")
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {len(written)} files, {total / 1024:.0f} KB in all.")
        )
