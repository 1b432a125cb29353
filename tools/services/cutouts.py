"""The cut-out service: one request, one path, for the site, the HTTP API and the command line.

A ``CutoutRequest`` is a photo, its options and its strokes. The site and the API hand one to
``submit``, which stores it with a new job and queues it; the worker reads it back
(``stored_request``), runs ``decode`` and ``cut_out`` (model, matting, strokes), then either
keeps the result for the result page (the site: services/processing.py) or, when the request
asks for an ``Output`` (the API), renders that one file (``render_output``). The command line
runs the same steps in its own process (``run``). Errors are the pipeline's, with
``InputError`` naming the input they are about; the API layer turns them into its own codes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

from tools import pipeline
from tools.images import decode_within_limits, fit_within, load_strokes
from tools.models import Batch, Job
from tools.pipeline import refine, strokes
from tools.services import jobs, storage

log = logging.getLogger(__name__)

Source = bytes | Path
PREVIEW_PIXELS = 250_000  # Output(preview=True): at most 0.25 megapixels
NOTHING_TO_KEEP = (
    "No subject was found in this image, so there is nothing to keep. Try a photo with a clear "
    "subject, or the other model."
)
STROKES = ("keep", "remove")  # the request's stroke fields; stored as keep_mask / remove_mask


@dataclass(frozen=True)
class Output:
    """The one file a request wants back (the API, the command line)."""

    format: str = "png"  # a key of formats.OUTPUTS
    bg_color: str | None = None
    blur: float = 0.0
    crop: bool = False
    margin: pipeline.Margin = field(default_factory=pipeline.Margin)
    preview: bool = False  # scaled down to PREVIEW_PIXELS
    shadow: str = "none"
    shadow_style: pipeline.DropStyle = field(default_factory=pipeline.DropStyle)
    keep_alpha: bool = False  # else an opaque result is written without its alpha plane
    allow_empty: bool = False  # else a cut-out with no subject left is NoSubjectFound


@dataclass(frozen=True)
class CutoutRequest:
    """A photo, its options and its strokes: what every way in submits."""

    photo: Source
    filename: str = ""
    model: str = ""  # "" = PIXELFORGE_DEFAULT_MODEL
    matting: bool = True
    background: Source | Image.Image | None = None  # an Output's background image
    keep: Source | None = None  # strokes: non-zero pixels are sure foreground
    remove: Source | None = None  # and sure background
    output: Output | None = None  # None: the result page's files (the site)


@dataclass(frozen=True)
class Result:
    """An Output made: the encoded file and the facts the API answers with."""

    data: bytes
    format: str
    width: int
    height: int
    foreground: tuple[int, int, int, int]  # (left, top, width, height) in the output
    seconds: float
    scaled_from: tuple[int, int] | None = None  # the upload's size, when scaled down to fit


class InputError(pipeline.PipelineError):
    """A pipeline error about one input of the request (``field``: photo, background, keep,
    remove); its message is the cause's."""

    def __init__(self, cause: Exception, field: str) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.field = field


def kind_of(exc: BaseException) -> str:
    """The kind of a failure, for the API's error codes (tools/api/errors.py)."""
    exc = exc.cause if isinstance(exc, InputError) else exc
    for kind, types in (
        ("too_large", pipeline.ImageTooLarge),
        ("unreadable", pipeline.UnreadableImage),
        ("no_subject", pipeline.NoSubjectFound),
        ("model_unavailable", pipeline.ModelUnavailable),
        ("cannot_process", pipeline.PipelineError),
        ("invalid", ValueError),
    ):
        if isinstance(exc, types):
            return kind
    return "cannot_process"


def model_message(model: str) -> str:
    return (
        f"The {model} model is not available on this server right now. Try again later or "
        "choose another model."
    )


def failure(exc: BaseException, model: str) -> dict[str, str | None]:
    """A failed request as stored on its job (result_meta["error"])."""
    kind = kind_of(exc)
    if kind == "model_unavailable":
        return {"kind": kind, "field": "model", "message": model_message(model)}
    return {"kind": kind, "field": getattr(exc, "field", None), "message": str(exc)}


@contextlib.contextmanager
def about(field: str) -> Iterator[None]:
    """Errors raised in the block are about the request's ``field``."""
    try:
        yield
    except InputError:
        raise
    except (pipeline.PipelineError, ValueError) as exc:
        raise InputError(exc, field) from exc


@contextlib.contextmanager
def guard(*passing: type[BaseException]) -> Iterator[None]:
    """In the worker, an unexpected failure while making an Output becomes a logged
    "cannot process" with a reference: the input was read and the options are valid, so it is
    about this image (a solver that gives up, a size an encoder cannot write). Pipeline
    errors and the ``passing`` ones go through as they are."""
    try:
        yield
    except (pipeline.PipelineError, *passing):
        raise
    except Exception as exc:
        reference = uuid.uuid4().hex[:12]
        log.exception("API: processing failed (reference %s)", reference)
        raise pipeline.PipelineError(
            "This image could not be processed. Try a smaller version of it, turn matting "
            f"off, or try another image. (Reference: {reference})"
        ) from exc


# The web side -------------------------------------------------------------------------------


def options_of(request: CutoutRequest) -> dict[str, object]:
    """An Output request's options as the job keeps them (Job.api_options)."""
    output = request.output or Output()
    return {
        "format": output.format,
        "bg_color": output.bg_color,
        "blur": output.blur,
        "crop": output.crop,
        "margin_value": output.margin.value,
        "margin_percent": output.margin.percent,
        "size": "preview" if output.preview else "full",
        "model": request.model,
        "matting": request.matting,
        "shadow": output.shadow,
        "shadow_style": dataclasses.asdict(output.shadow_style),
        "has_background": request.background is not None,
        "masks": [f"{name}_mask" for name in STROKES if getattr(request, name) is not None],
    }


def submit(request: CutoutRequest, *, size: tuple[int, int], batch: Batch | None = None) -> Job:
    """Store the request with a new job and queue it (jobs.submit: Busy, ServiceUnavailable).

    The photo was checked by the caller (its header, within the limits, of ``size``)."""
    files = {f"{name}_mask": _bytes(getattr(request, name)) for name in STROKES}
    return jobs.submit(
        _bytes(request.photo),
        size=size,
        filename=request.filename,
        kind=Job.Kind.API if request.output else Job.Kind.SITE,
        model=request.model or None,
        api_options=options_of(request) if request.output else None,
        background=_bytes(request.background),
        extra_files={name: data for name, data in files.items() if data is not None},
        batch=batch,
    )


def _bytes(source: Source | Image.Image | None) -> bytes | None:
    if source is None or isinstance(source, bytes):
        return source
    if isinstance(source, Image.Image):
        return pipeline.encode(source, "png")
    return Path(source).read_bytes()


# The worker side ----------------------------------------------------------------------------


def stored_request(job: Job) -> CutoutRequest:
    """The job's request, as it was submitted."""
    photo = storage.read_bytes(job, "original")
    options = job.api_options
    if job.kind != Job.Kind.API or not options:
        return CutoutRequest(photo, filename=job.original_name, model=job.model)
    masks = {name: storage.read_path(storage.path(job, name)) for name in options.get("masks", [])}
    output = Output(
        format=options["format"],
        bg_color=options["bg_color"],
        blur=options["blur"],
        crop=options["crop"],
        margin=pipeline.Margin(options["margin_value"], options["margin_percent"]),
        preview=options["size"] == "preview",
        shadow=options.get("shadow", "none"),
        shadow_style=pipeline.DropStyle(**options.get("shadow_style", {})),
    )
    return CutoutRequest(
        photo,
        filename=job.original_name,
        model=options["model"],
        matting=options["matting"],
        background=storage.read_bytes(job, "background") if options["has_background"] else None,
        keep=masks.get("keep_mask"),
        remove=masks.get("remove_mask"),
        output=output,
    )


@dataclass(frozen=True)
class Decoded:
    """A request's images, decoded within the site's limits."""

    image: Image.Image  # the photo, RGB
    background: Image.Image | None  # an Output's background image
    scaled_from: tuple[int, int] | None  # the photo's own size, when it was scaled down to fit
    notice: str  # what to tell the person about that ("" when it was not)


def decode(request: CutoutRequest) -> Decoded:
    """The photo and the background image decoded within the site's limits, before any model
    runs (InputError about "photo" or "background")."""
    with about("photo"):
        decoded = decode_within_limits(request.photo)
    return Decoded(decoded.image, background_image(request), scaled_from(decoded), decoded.notice())


def scaled_from(decoded: pipeline.Decoded) -> tuple[int, int] | None:
    """The upload's size when it was scaled down to fit, turned as the decoded image is (the
    size declared is before any EXIF turn); None when it was not scaled."""
    if not decoded.scaled:
        return None
    width, height = decoded.source_size
    if (width > height) != (decoded.size[0] > decoded.size[1]):
        width, height = height, width
    return width, height


def cut_out(
    request: CutoutRequest,
    image: Image.Image,
    *,
    on_stage: Callable[[str], None] | None = None,
) -> pipeline.Cutout:
    """Remove the background of the decoded photo, then apply the request's strokes."""
    if request.output is not None and request.output.preview:
        image = fit_within(image, pixels=PREVIEW_PIXELS)
    result = pipeline.remove_background(
        image,
        model=request.model or settings.PIXELFORGE_DEFAULT_MODEL,
        matting=request.matting,
        on_stage=on_stage,
    )
    return apply_strokes(result, request)


def apply_strokes(result: pipeline.Cutout, request: CutoutRequest) -> pipeline.Cutout:
    """``result`` re-solved around the request's strokes (unchanged when it has none)."""
    if request.keep is None and request.remove is None:
        return result
    size = result.original.size
    masks = {
        name: _stroke_mask(getattr(request, name), name, size)
        if getattr(request, name) is not None
        else np.zeros(size[::-1], dtype=bool)
        for name in STROKES
    }
    refined = refine.refine_cutout(
        result.original, result.alpha, result.cutout, masks["keep"], masks["remove"]
    )
    return pipeline.Cutout(original=result.original, alpha=refined.alpha, cutout=refined.cutout)


def _stroke_mask(source: Source, name: str, size: tuple[int, int]) -> np.ndarray:
    """A stroke mask decoded within the site's limits, any size with the photo's proportions."""
    with about(name):
        values = load_strokes(source if isinstance(source, bytes) else Path(source).read_bytes())
        strokes.check_mask_size(values.shape[::-1], size)
    return values


def background_image(request: CutoutRequest) -> Image.Image | None:
    if request.background is None or isinstance(request.background, Image.Image):
        return request.background
    with about("background"):
        return decode_within_limits(request.background).image


def output_options(
    output: Output, background: Image.Image | None, margin: int
) -> pipeline.RenderOptions:
    """RenderOptions for ``output`` (pipeline.OptionError on a bad value). A mask is the
    subject's alpha alone, framed as the image (a shadow widens a crop)."""
    mask = output.format == "mask"
    options = pipeline.build_render_options(
        bg_color=None if mask else output.bg_color,
        bg_image=None if mask else background,
        blur=0.0 if mask else output.blur,
        crop=output.crop,
        margin=margin,
        shadow=output.shadow,
        subject_only=mask,
    )
    return dataclasses.replace(options, shadow_style=output.shadow_style)


def render_output(
    request: CutoutRequest, result: pipeline.Cutout, decoded: Decoded, *, started: float
) -> Result:
    """The request's Output from its cut-out, encoded."""
    output = request.output or Output()
    background = decoded.background
    subject = pipeline.subject_bbox(result.alpha)
    if subject is None and not output.allow_empty:
        raise pipeline.NoSubjectFound(NOTHING_TO_KEEP)
    options = output_options(output, background, output.margin.pixels(subject))
    image, where = pipeline.render_placed(result.original, result.cutout, options)
    opaque = image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255
    if opaque and not output.keep_alpha:
        image = image.convert("RGB")  # a background was chosen: smaller files, same pixels
    data = pipeline.encode(image, output.format)
    box = where.box  # the region shown: the subject and, with crop, its shadow
    foreground = (0, 0, 0, 0)
    if subject is not None:
        foreground = (subject[0] - box[0], subject[1] - box[1], subject[2], subject[3])
    return Result(
        data=data,
        format=output.format,
        width=image.width,
        height=image.height,
        foreground=foreground,
        seconds=time.perf_counter() - started,
        scaled_from=decoded.scaled_from,
    )


def run(request: CutoutRequest) -> tuple[Result, str]:
    """The whole request in this process (the command line): its Output and the note to show
    when the photo was scaled down ("" when not)."""
    started = time.perf_counter()
    decoded = decode(request)
    result = cut_out(request, decoded.image)
    return render_output(request, result, decoded, started=started), decoded.notice
