"""Markdown to safe HTML, and the reading time of an article.

Articles are written by staff, but the HTML that reaches a page is sanitised all the same:
markdown renders, nh3 keeps an allow-list of tags and attributes and drops scripts, event
handlers and any URL scheme other than http, https and mailto.
"""

from __future__ import annotations

import math
import re

import markdown
import nh3
from django.utils.html import strip_tags

WORDS_PER_MINUTE = 220
MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "toc"]
MARKDOWN_CONFIG = {"extra": {"tables": {"use_align_attribute": True}}}
ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd",
    "a", "strong", "em", "b", "i", "del", "sup", "sub", "abbr",
    "code", "pre", "kbd",
    "table", "thead", "tbody", "tr", "th", "td",
    "img", "figure", "figcaption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"
_WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")  # don't, over-think: one word each


def render_markdown(text: str) -> str:
    """Render Markdown to HTML that is safe to mark as such in a template."""
    html = markdown.markdown(
        text, extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )


def word_count(html: str) -> int:
    """Words a reader sees in rendered HTML (markup and comments not counted)."""
    return len(_WORD.findall(strip_tags(html)))


def reading_time(html: str) -> int:
    """Whole minutes to read rendered HTML at WORDS_PER_MINUTE, at least one."""
    return max(1, math.ceil(word_count(html) / WORDS_PER_MINUTE))
