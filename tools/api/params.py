"""The parameters of POST /api/v1/remove-background, declared once, and the typed request.

``declared_params()`` drives the parser (``tools.api.parsing``), the OpenAPI document and the
documentation page, so the three cannot drift apart. Option rules (colours, one background at
most, blur and margin ranges) live in ``tools.pipeline`` and are only called from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from tools import pipeline
from tools.api.errors import ApiError
from tools.pipeline.formats import ACCEPTED_TEXT, OUTPUTS

FORMATS = tuple(OUTPUTS)
SHADOWS = ("none", "drop", "contact")
SIZES = ("preview", "full")
MASK_NAMES = ("keep_mask", "remove_mask")  # brush strokes, applied by the cut-out service
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}
Kind = Literal["file", "string", "boolean", "number"]


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    description: str
    enum: tuple[str, ...] | None = None
    default: str | None = None
    example: str | None = None
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None


# The drop shadow's settings: parameter -> (build_drop_style argument, description).
SHADOW_STYLE_PARAMS = {
    "shadow_angle": (
        "angle",
        "The drop shadow's direction in degrees: 0 falls straight back, 90 to the right, "
        "-90 to the left, 180 towards the viewer.",
    ),
    "shadow_length": ("length", "How far the drop shadow reaches, in % of the subject's height."),
    "shadow_softness": ("softness", "How soft the drop shadow is: 0 crisp, 100 very soft."),
}


def shadow_params() -> list[Param]:
    default = pipeline.DropStyle()
    return [
        Param(
            name,
            "number",
            description,
            default=f"{getattr(default, attr):g}",
            minimum=pipeline.options.SHADOW_RANGES[attr][0],
            maximum=pipeline.options.SHADOW_RANGES[attr][1],
        )
        for name, (attr, description) in SHADOW_STYLE_PARAMS.items()
    ]


def mask_params() -> list[Param]:
    what = {
        "keep_mask": "keep: its pixels become sure foreground (opaque)",
        "remove_mask": "remove: its pixels become sure background (transparent)",
    }
    return [
        Param(
            name,
            "file",
            f"Optional brush strokes to correct the cut-out, {what[name]}. An image (PNG "
            "recommended) in which non-zero pixels are strokes and 0 (or transparent) is "
            "untouched; the image's size, or any size with its proportions (it is scaled to "
            "fit). The edge around the strokes is matted again from the photo, so rough "
            "strokes are enough. Where both masks mark a pixel, remove wins.",
        )
        for name in MASK_NAMES
    ]


def model_names() -> tuple[str, ...]:
    return tuple(pipeline.MODELS)


def declared_params() -> list[Param]:
    """Every parameter the endpoint takes (defaults that come from settings included)."""
    return [
        Param(
            "image_file",
            "file",
            f"The photo: {ACCEPTED_TEXT} (GIF: first frame), at most "
            f"{settings.PIXELFORGE_MAX_UPLOAD_MB} MB and {settings.PIXELFORGE_MAX_INPUT_PIXELS:,} "
            f"pixels. Larger than {settings.PIXELFORGE_MAX_PIXELS:,} pixels or "
            f"{settings.PIXELFORGE_MAX_SIDE:,} px on the longest side, it is scaled down to fit "
            "(see the X-Scaled-From header).",
            required=True,
        ),
        Param(
            "format",
            "string",
            "Output format. png and webp keep transparency; jpg has none (transparent areas "
            "become white); mask is a single-channel (greyscale) PNG of the alpha, and ignores "
            "background options.",
            enum=FORMATS,
            default="png",
        ),
        Param(
            "bg_color",
            "string",
            "Background colour as hex #rgb, #rrggbb or #rrggbbaa (the # is optional). "
            "Default: transparent.",
            example="#0a84ff",
            pattern="^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$",
        ),
        Param(
            "bg_image_file",
            "file",
            "Background image, scaled to cover the output and centre-cropped (no distortion).",
        ),
        Param(
            "blur",
            "number",
            "Use the original photo, blurred, as the background: the Gaussian radius per "
            "1000 px of the image's longer side. 0 = no blur.",
            default="0",
            example="8",
            minimum=0,
            maximum=pipeline.options.MAX_BLUR,
        ),
        Param(
            "crop",
            "boolean",
            "Crop the result to the subject (plus crop_margin).",
            default="false",
        ),
        Param(
            "crop_margin",
            "string",
            "Margin around the subject when cropping: pixels (20 or 20px, at most "
            f"{pipeline.options.MAX_MARGIN}) or percent of the subject's longer side (10%, at "
            "most 100%). Never extends past the image.",
            default="0",
            example="10%",
            pattern=r"^\s*(\d+\s*(px)?|\d+(\.\d+)?\s*%)\s*$",
        ),
        Param(
            "shadow",
            "string",
            "A shadow under the subject, for product photos: drop is the shadow it casts on "
            "the floor from its base (see shadow_angle, shadow_length, shadow_softness); "
            "contact keeps the shadow the photo had under the subject, and adds nothing when "
            "the photo has none there. A mask stays the subject's alone, framed as the image.",
            enum=SHADOWS,
            default="none",
        ),
        *shadow_params(),
        Param(
            "size",
            "string",
            "full keeps the input resolution; preview scales the input to at most 0.25 "
            "megapixels first (faster).",
            enum=SIZES,
            default="full",
        ),
        Param(
            "model",
            "string",
            "Segmentation model: isnet (best cut-outs), u2net or u2netp (small, faster, rougher).",
            enum=model_names(),
            default=settings.PIXELFORGE_DEFAULT_MODEL,
        ),
        Param(
            "matting",
            "boolean",
            "Refine edges (hair, fur) with alpha matting. false is faster, with harder edges.",
            default="true",
        ),
        *mask_params(),
    ]


@dataclass(frozen=True)
class RemovalRequest:
    """A request's parameters as typed values, checked but not yet decoded."""

    image: UploadedFile
    format: str  # one of FORMATS
    bg_color: str | None
    bg_image: UploadedFile | None
    blur: float
    crop: bool
    crop_margin: pipeline.Margin
    size: str  # one of SIZES
    model: str
    matting: bool
    shadow: str = "none"  # one of SHADOWS
    shadow_style: pipeline.DropStyle = field(default_factory=pipeline.DropStyle)
    keep_mask: UploadedFile | None = None  # strokes: sure foreground
    remove_mask: UploadedFile | None = None  # strokes: sure background


# The API parameter each build_render_options argument comes from.
PARAMETER_OF_OPTION = {
    "bg_color": "bg_color",
    "bg_image": "bg_image_file",
    "blur": "blur",
    "margin": "crop_margin",
    "shadow_angle": "shadow_angle",
    "shadow_length": "shadow_length",
    "shadow_softness": "shadow_softness",
}


def option_error(exc: pipeline.OptionError) -> ApiError:
    return ApiError("invalid_parameter", str(exc), parameter=PARAMETER_OF_OPTION.get(exc.field))
