"""Turn a job's saved background choice into images: previews for the page, files to download.

A choice is saved on the job as plain JSON (see ``BackgroundChoice``) and turned into the
pipeline's RenderOptions by ``pipeline.build_render_options``, the one place that checks
option values for the site, the HTTP API and the command line.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from django.conf import settings
from PIL import Image

from tools import pipeline
from tools.backgrounds import BACKGROUNDS_BY_NAME
from tools.models import Job
from tools.pipeline.composite import placement
from tools.pipeline.formats import OUTPUTS
from tools.pipeline.options import MAX_CANVAS_SIDE
from tools.services import background_uploads, filenames, labels, storage
from tools.services.jobs import preview_of

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


def render_options(
    job: Job,
    choice: BackgroundChoice,
    *,
    kept_alpha: Image.Image,
    scale: float = 1.0,
    with_background: bool = True,
    preview: bool = False,
) -> pipeline.RenderOptions:
    """RenderOptions for ``choice`` on a cut-out whose alpha (with only the kept subjects) is
    ``kept_alpha``, at ``scale`` of the original size. Subjects are applied by the caller."""
    mode = choice.background if with_background else "none"
    margin = round(choice.margin * scale)
    size = None
    if choice.size == "square":
        region = placement(kept_alpha, pipeline.RenderOptions(crop=True, margin=margin)).canvas
        side = min(max(region), MAX_CANVAS_SIDE)
        size = (side, side)
    return pipeline.build_render_options(
        bg_color=choice.bg_color if mode == "color" else None,
        bg_image=background_image(job, choice, preview=preview) if mode == "image" else None,
        blur=choice.blur if mode == "blur" else 0.0,
        crop=choice.crop,
        margin=margin,
        size=size,
        shadow=choice.shadow,
        shadow_angle=choice.shadow_angle,
        shadow_length=choice.shadow_length,
        shadow_softness=choice.shadow_softness,
        subject_only=not with_background,  # the mask: the subject's alone, framed as the image
    )


def background_image(job: Job, choice: BackgroundChoice, *, preview: bool = False) -> Image.Image:
    """The image behind the subject in "image" mode: a library background or the upload
    (its preview size for the page's preview, once a worker decoded it)."""
    if choice.stock:
        return BACKGROUNDS_BY_NAME[choice.stock].open()
    if background_uploads.is_pending(job):
        raise ValueError("Your background image is still being prepared. Try again in a moment.")
    if not job.background:
        raise ValueError("Upload a background image, or choose one from the library.")
    if preview:
        return background_preview(job)
    return storage.open_image(job, "background")


def kept_cutout(job: Job, keep: tuple[int, ...] | None, *, preview: bool) -> Image.Image:
    """The cut-out (full or preview size) with only the ``keep`` subjects when given.

    Subjects are numbered in reading order at either size, so their numbers match.
    """
    cutout = storage.open_image(job, "cutout_preview" if preview else "cutout").convert("RGBA")
    if keep is not None:
        # A preview uses the map of the preview's own alpha (as the subject thumbnails do):
        # the web process never loads a full-resolution alpha; downloads (in a worker) use the
        # full one. Both maps were labelled once by the worker (tools/services/labels.py).
        source = cutout.getchannel("A") if preview else storage.open_image(job, "alpha")
        kept = labels.load(job, preview=preview).keep(source, keep)
        if kept.size != cutout.size:
            kept = kept.resize(cutout.size, Image.Resampling.BILINEAR)
        cutout.putalpha(kept)
    return cutout


def open_original(job: Job) -> Image.Image:
    """The full-resolution original: the stored upload decoded within the site's limits (EXIF
    turned, sRGB), as the worker decoded it."""
    from tools.images import load_within_limits

    return load_within_limits(storage.read_bytes(job, "original"))


def _render(job: Job, choice: BackgroundChoice, *, preview: bool, background: bool = True):
    original = storage.open_image(job, "original_preview") if preview else open_original(job)
    cutout = kept_cutout(job, choice.keep, preview=preview)
    scale = cutout.width / job.width
    options = render_options(
        job,
        choice,
        kept_alpha=cutout.getchannel("A"),
        scale=scale,
        with_background=background,
        preview=preview,
    )
    return pipeline.render(original.convert("RGB"), cutout, options)


def render_preview(job: Job) -> Image.Image:
    """The saved choice rendered at preview size, for the page without JavaScript."""
    return _render(job, choice_of(job), preview=True)


# Downloads -------------------------------------------------------------------------------

FORMATS = OUTPUTS  # url name -> output format (content type, extension)


WHITE = (255, 255, 255)

# What each download shows for each background mode: the page's labels (kept up to date by
# tool.js as the visitor changes the mode) say exactly what the file will be.
DOWNLOAD_LABELS = {
    "png": {
        "none": "transparent",
        "color": "on your colour",
        "image": "on your image",
        "blur": "on the blurred photo",
    },
    "webp": {
        "none": "transparent, smaller",
        "color": "smaller",
        "image": "smaller",
        "blur": "smaller",
    },
    "jpg": {
        "none": "on white",
        "color": "on your colour",
        "image": "on your image",
        "blur": "on the blurred photo",
    },
    "mask": {"none": "alpha", "color": "alpha", "image": "alpha", "blur": "alpha"},
}


def jpeg_background(choice: BackgroundChoice) -> tuple[int, int, int]:
    """JPEG has no alpha: a transparent result is flattened on white, as the page says."""
    return choice.rgb if choice.background == "color" else WHITE


@dataclass(frozen=True)
class Download:
    data: bytes
    content_type: str
    filename: str


def download(job: Job, fmt: str) -> Download:
    """The full-resolution file in ``fmt`` (a key of FORMATS) with the saved choice applied.

    Runs in a worker, once per option set (tools/services/renders.py)."""
    output = FORMATS[fmt]
    choice = choice_of(job)
    data = as_stored(job, fmt, choice)
    if data is None:
        image = cap_pixels(_render(job, choice, preview=False, background=fmt != "mask"))
        data = pipeline.encode(image, fmt, background=jpeg_background(choice))
    return Download(data, output.content_type, filenames.download_name(job, fmt, choice))


# Downloads that are a stored file as it is, for the bare cut-out: its PNG is the cut-out file
# and its mask the alpha file (the same pixels, PNG without metadata); read, not rendered and
# encoded again (about 0.14 of the 0.5 CPU-s a 1 MP job's downloads took).
AS_STORED = {"png": "cutout", "mask": "alpha"}


def as_stored(job: Job, fmt: str, choice: BackgroundChoice) -> bytes | None:
    """The download's bytes when a stored file is exactly it, else None."""
    field = AS_STORED.get(fmt)
    if field is None or choice != BackgroundChoice():
        return None
    width, height = job.width or 0, job.height or 0
    if (
        width * height > settings.PIXELFORGE_MAX_PIXELS
        or max(width, height) > settings.PIXELFORGE_MAX_SIDE
    ):
        return None  # cap_pixels would scale it (limits lowered since the job)
    return storage.read_bytes(job, field)


def subject_download(job: Job, index: int) -> Download:
    """One subject on its own: cropped, transparent PNG at full resolution."""
    options = pipeline.RenderOptions(crop=True)
    original = open_original(job)
    cutout = storage.open_image(job, "cutout").convert("RGBA")
    cutout.putalpha(labels.load(job, preview=False).keep(cutout.getchannel("A"), (index,)))
    image = cap_pixels(pipeline.render(original, cutout, options))
    data = pipeline.encode(image, "png")
    name = filenames.download_name(job, f"subject-{index}", choice_of(job))
    return Download(data, "image/png", name)


def cap_pixels(image: Image.Image) -> Image.Image:
    """Outputs obey the same pixel limits as inputs: a larger canvas is scaled down to fit."""
    limit, side = settings.PIXELFORGE_MAX_PIXELS, settings.PIXELFORGE_MAX_SIDE
    width, height = image.size
    if width * height <= limit and max(width, height) <= side:
        return image
    scale = min(math.sqrt(limit / (width * height)), side / max(width, height))
    size = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def background_preview(job: Job) -> Image.Image:
    """The uploaded background at preview size (made by the worker; older jobs: from the
    stored background)."""
    made = storage.open_image_path(background_uploads.preview_path(job))
    if made is not None:
        return made
    return preview_of(storage.open_image(job, "background"))
