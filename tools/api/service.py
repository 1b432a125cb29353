"""The work behind POST /api/v1/remove-background: decode, remove, render, encode.

Plain functions on typed values; the view only turns their result or ApiError into a response.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import Image

from tools import pipeline
from tools.api.errors import ApiError
from tools.api.masks import apply_masks
from tools.api.params import RemovalRequest, option_error
from tools.images import decode_within_limits
from tools.pipeline.formats import OUTPUTS

log = logging.getLogger(__name__)

PREVIEW_PIXELS = 250_000  # size=preview: at most 0.25 megapixels
CONTENT_TYPES = {name: fmt.content_type for name, fmt in OUTPUTS.items()}


@dataclass(frozen=True)
class Removal:
    data: bytes
    format: str  # png, webp, jpg or mask
    width: int
    height: int
    foreground: tuple[int, int, int, int]  # (left, top, width, height) in the output image
    seconds: float  # decoding, removal, compositing and encoding
    scaled_from: tuple[int, int] | None = None  # the upload's size, when it was scaled down
    # A stored result leaves its bytes in this file (data is b""): the web process streams it.
    path: str = ""

    @property
    def content_type(self) -> str:
        return OUTPUTS[self.format].content_type

    @property
    def filename(self) -> str:
        suffix = "-mask" if self.format == "mask" else ""
        return f"pixelforge{suffix}.{OUTPUTS[self.format].extension}"


def decode(upload: UploadedFile, parameter: str) -> pipeline.Decoded:
    """Decode an uploaded file within the site's limits, or raise ApiError (413 or 415)."""
    upload.seek(0)
    try:
        return decode_within_limits(upload)
    except pipeline.ImageTooLarge as exc:
        raise ApiError("image_too_large", str(exc), parameter=parameter) from exc
    except pipeline.UnreadableImage as exc:
        raise ApiError("unreadable_image", str(exc), parameter=parameter) from exc


def to_preview(image: Image.Image, pixels: int = PREVIEW_PIXELS) -> Image.Image:
    """``image`` scaled down to at most ``pixels`` pixels (unchanged when it is smaller)."""
    width, height = image.size
    if width * height <= pixels:
        return image
    scale = math.sqrt(pixels / (width * height))
    size = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def cut_out(image: Image.Image, *, model: str, matting: bool) -> pipeline.Cutout:
    try:
        return pipeline.remove_background(image, model=model, matting=matting)
    except pipeline.ModelUnavailable as exc:
        log.error("API: model %s unavailable: %s", model, exc)
        raise ApiError(
            "model_unavailable",
            f"The {model} model is not available on this server right now. Try again later "
            "or choose another model.",
            parameter="model",
        ) from exc
    except pipeline.NoSubjectFound as exc:
        raise ApiError("no_foreground", str(exc)) from exc
    except pipeline.PipelineError as exc:
        raise ApiError("cannot_process", str(exc)) from exc


@contextlib.contextmanager
def processing_guard() -> Iterator[None]:
    """Any unexpected failure while processing becomes a logged 422 with a reference.

    The input was read and the parameters are valid, so the failure is about this image (a
    solver that gives up, a size an encoder cannot write); a 500 would tell the client
    nothing and invite blind retries.
    """
    try:
        yield
    except ApiError:
        raise
    except Exception as exc:
        reference = uuid.uuid4().hex[:12]
        log.exception("API: processing failed (reference %s)", reference)
        raise ApiError(
            "cannot_process",
            "This image could not be processed. Try a smaller version of it, turn matting "
            f"off, or try another image. (Reference: {reference})",
        ) from exc


def render_options(
    parsed: RemovalRequest, background: Image.Image | None, margin: int
) -> pipeline.RenderOptions:
    mask = parsed.format == "mask"  # the alpha alone, framed as the image (a shadow widens a crop)
    try:
        options = pipeline.build_render_options(
            bg_color=None if mask else parsed.bg_color,
            bg_image=None if mask else background,
            blur=0.0 if mask else parsed.blur,
            crop=parsed.crop,
            margin=margin,
            shadow=parsed.shadow,
            subject_only=mask,
        )
    except pipeline.OptionError as exc:  # checked before decoding; kept for safety
        raise option_error(exc) from exc
    return dataclasses.replace(options, shadow_style=parsed.shadow_style)


def remove(parsed: RemovalRequest) -> Removal:
    """Run the whole pipeline for one API request."""
    started = time.perf_counter()
    decoded = decode(parsed.image, "image_file")
    background = decode(parsed.bg_image, "bg_image_file").image if parsed.bg_image else None
    with processing_guard():
        image = decoded.image
        if parsed.size == "preview":
            image = to_preview(image)
        result = apply_masks(cut_out(image, model=parsed.model, matting=parsed.matting), parsed)
        subject = pipeline.subject_bbox(result.alpha)
        if subject is None:
            raise ApiError(
                "no_foreground",
                "No subject was found in this image, so there is nothing to keep. Try a photo "
                "with a clear subject, or the other model.",
            )
        options = render_options(parsed, background, parsed.crop_margin.pixels(subject))
        output, where = pipeline.render_placed(result.original, result.cutout, options)
        if output.mode == "RGBA" and output.getchannel("A").getextrema()[0] == 255:
            output = output.convert("RGB")  # a background was chosen: smaller files, same pixels
        data = pipeline.encode(output, parsed.format)
        box = where.box  # the region shown: the subject and, with crop, its shadow
    foreground = (subject[0] - box[0], subject[1] - box[1], subject[2], subject[3])
    return Removal(
        data=data,
        format=parsed.format,
        width=output.width,
        height=output.height,
        foreground=foreground,
        seconds=time.perf_counter() - started,
        scaled_from=decoded.source_size if decoded.scaled else None,
    )
