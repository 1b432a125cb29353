"""The articles the site ships with, read from blog/content/*.md.

Each file starts with a small front-matter header between two ``---`` lines, one
``key: value`` per line (title, slug, summary, category, author, published_at as ISO 8601;
optionally cover, a static path such as blog/covers/x.jpg, cover_alt, and status, published
unless it says draft), followed by the Markdown body. ``manage.py load_articles`` creates or
updates the articles by slug.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"
REQUIRED = ("title", "slug", "summary", "category", "author", "published_at")


@dataclass(frozen=True)
class Draft:
    title: str
    slug: str
    summary: str
    category: str
    author: str
    published_at: datetime
    body: str
    cover: str = ""
    cover_alt: str = ""
    status: str = "published"


def parse(text: str, *, name: str = "<text>") -> Draft:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in (line.strip() for line in lines[1:]):
        raise ValueError(f"{name}: no front matter between two '---' lines")
    end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    header: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"{name}: front-matter line without a colon: {line!r}")
        header[key.strip()] = value.strip()
    missing = [key for key in REQUIRED if not header.get(key)]
    if missing:
        raise ValueError(f"{name}: front matter lacks {', '.join(missing)}")
    return Draft(
        title=header["title"],
        slug=header["slug"],
        summary=header["summary"],
        category=header["category"],
        author=header["author"],
        published_at=datetime.fromisoformat(header["published_at"]),
        body="\n".join(lines[end + 1 :]).strip() + "\n",
        cover=header.get("cover", ""),
        cover_alt=header.get("cover_alt", ""),
        status=header.get("status", "published"),
    )


def load(directory: Path = CONTENT_DIR) -> list[Draft]:
    """Every article in ``directory``, in file-name order."""
    return [
        parse(path.read_text(encoding="utf-8"), name=path.name)
        for path in sorted(directory.glob("*.md"))
    ]
