"""A job's background choice: what the visitor picked on the result page, saved as JSON.

``BackgroundChoice`` is the typed value the result form returns and the job stores
(``render_options``); services/compositing.py turns it into images, services/filenames.py
into download names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tools import pipeline
from tools.backgrounds import BACKGROUNDS_BY_NAME
from tools.models import Job
from tools.services import background_uploads

DEFAULT_COLOR = "#ffffff"


@dataclass(frozen=True)
class BackgroundChoice:
    background: str = "none"  # none | color | image | blur
    bg_color: str = DEFAULT_COLOR  # "#rrggbb", used when background == "color"
    blur: float = 12.0
    crop: bool = False
    margin: int = 0
    size: str = "original"  # original | square
    keep: tuple[int, ...] | None = None  # subject indices; None = all
    stock: str = ""  # a library background (tools.backgrounds) for "image"; "" = the upload
    shadow: str = "none"  # none | drop | contact (tools.pipeline.shadow)
    shadow_angle: float = pipeline.DropStyle.angle  # a drop shadow's direction, length, softness
    shadow_length: float = pipeline.DropStyle.length
    shadow_softness: float = pipeline.DropStyle.softness

    @classmethod
    def from_saved(cls, saved: dict) -> BackgroundChoice:
        names = {"background", "bg_color", "blur", "crop", "margin", "size", "keep", "stock"}
        names |= {"shadow", "shadow_angle", "shadow_length", "shadow_softness"}
        values = {key: value for key, value in saved.items() if key in names}
        if values.get("stock") not in BACKGROUNDS_BY_NAME:
            values.pop("stock", None)  # gone from the library since it was saved
        if values.get("shadow") not in ("none", *pipeline.options.SHADOWS):
            values.pop("shadow", None)
        if values.get("keep") is not None:
            # An empty selection was never a real choice (see BackgroundForm.choice): all.
            values["keep"] = tuple(values["keep"]) or None
        try:
            return cls(**values)
        except TypeError:
            return cls()

    def to_saved(self) -> dict:
        saved = asdict(self)
        saved["keep"] = list(self.keep) if self.keep is not None else None
        return saved

    @property
    def rgb(self) -> tuple[int, int, int]:
        return pipeline.parse_hex_color(self.bg_color)[:3]


def choice_of(job: Job) -> BackgroundChoice:
    return BackgroundChoice.from_saved(job.render_options or {})


def save_choice(job: Job, choice: BackgroundChoice, *, bg_upload: bytes | None) -> None:
    """Store the visitor's choice on the job, and a new background image's bytes as received
    (a worker decodes them: tools/services/background_uploads.py)."""
    has_background = job.background or background_uploads.is_pending(job)
    if choice.background == "image" and not (bg_upload or choice.stock or has_background):
        raise ValueError("Choose a background from the library or upload an image.")
    if bg_upload is not None:
        background_uploads.check_room(bg_upload)  # before the choice is saved
    job.render_options = choice.to_saved()
    job.options_version += 1
    job.save(update_fields=["render_options", "options_version"])
    if bg_upload is not None:
        background_uploads.store_upload(job, bg_upload)
