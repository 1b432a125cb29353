"""Compose a job's cut-out with its saved background choice (services/choices.py): the images
behind the page's preview and behind every download (services/downloads.py makes and stores
those).

The choice is turned into the pipeline's RenderOptions by ``pipeline.build_render_options``,
the one place that checks option values for the site, the HTTP API and the command line.
"""

from __future__ import annotations

from PIL import Image

from tools import pipeline
from tools.backgrounds import BACKGROUNDS_BY_NAME
from tools.models import Job
from tools.pipeline.composite import placement
from tools.pipeline.options import MAX_CANVAS_SIDE
from tools.services import background_uploads, labels, storage
from tools.services.choices import BackgroundChoice, choice_of
from tools.services.jobs import preview_of


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


def render_choice(job: Job, choice: BackgroundChoice, *, preview: bool, background: bool = True):
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
    return render_choice(job, choice_of(job), preview=True)


def background_preview(job: Job) -> Image.Image:
    """The uploaded background at preview size (made by the worker; older jobs: from the
    stored background)."""
    made = storage.open_image_path(background_uploads.preview_path(job))
    if made is not None:
        return made
    return preview_of(storage.open_image(job, "background"))
