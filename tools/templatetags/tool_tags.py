"""Small helpers for the tool's templates, so the templates hold no logic chains."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def filesize_mb(value: int) -> str:
    return f"{value / (1024 * 1024):g} MB"


@register.filter
def seconds(ms: int) -> str:
    """1234 -> "1.2 s"; 340 -> "0.34 s"."""
    return f"{ms / 1000:.2g} s" if ms < 1000 else f"{ms / 1000:.1f} s"


@register.simple_tag
def subject_box(subject: dict) -> str:
    left, top, width, height = subject["box"]
    return f"{left},{top},{width},{height}"


@register.filter
def minutes_text(minutes: int) -> str:
    """60 -> "1 hour", 90 -> "90 minutes", 120 -> "2 hours"."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@register.filter
def is_kept(index: int, form: object) -> bool:
    """Whether subject ``index`` is ticked in the background form (all are by default)."""
    value = form["keep"].value()
    if not value:
        return True
    return str(index) in {str(item) for item in value}
