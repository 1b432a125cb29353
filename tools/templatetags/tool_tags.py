"""Small helpers for the tool's templates, so the templates hold no logic chains."""

from __future__ import annotations

import json
import math
from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


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


@register.inclusion_tag("tools/_download_buttons.html")
def download_buttons(job: object, choice: object, files: dict | None = None) -> dict:
    """The four download buttons, each labelled with what its file shows for ``choice``;
    with ``files`` (views.result.files_document) each links to its stored file once made."""
    from tools.services.downloads import DOWNLOAD_LABELS

    names = {"png": "PNG", "webp": "WebP", "jpg": "JPEG", "mask": "Mask"}
    buttons = [
        {
            "fmt": fmt,
            "name": names[fmt],
            "label": labels[choice.background],
            "labels": json.dumps(labels),
        }
        for fmt, labels in DOWNLOAD_LABELS.items()
    ]
    for button in buttons:
        button.update((files or {}).get("downloads", {}).get(button["fmt"], {}))
    return {"job": job, "buttons": buttons}


@register.filter
def from_now(when: datetime) -> str:
    """A time as the visitor reads it anywhere: "in 58 minutes", "in 2 hours", "now"."""
    minutes = math.ceil((when - timezone.now()).total_seconds() / 60)
    if minutes <= 0:
        return "now"
    if minutes < 120:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    return f"in {round(minutes / 60)} hours"
