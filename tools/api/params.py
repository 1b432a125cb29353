"""The parameters of POST /api/v1/remove-background: declared once, parsed into typed values.

PARAMS drives the parser, the OpenAPI document and the documentation page, so the three cannot
drift apart. Option rules (colours, one background at most, blur and margin ranges) live in
``tools.pipeline`` and are only called from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from PIL import Image

from tools import pipeline
from tools.api.errors import ApiError
from tools.pipeline.formats import ACCEPTED_TEXT, OUTPUTS
from tools.pipeline.manifest import model_file_problem
from tools.uploads import cap_uploads, max_upload_bytes, oversize_fields

API_MAX_FILES = 4  # an image and a background image, with room to spare

FORMATS = tuple(OUTPUTS)
SHADOWS = ("none", "drop", "contact")
SIZES = ("preview", "full")
MASK_NAMES = ("keep_mask", "remove_mask")  # brush strokes, applied by tools.api.masks
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


def _too_large(parameter: str | None = None) -> ApiError:
    return ApiError(
        "file_too_large",
        f"Files may be at most {settings.PIXELFORGE_MAX_UPLOAD_MB} MB each. "
        "Send a smaller or more compressed image.",
        parameter=parameter,
    )


def read_form(request: HttpRequest) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """The multipart fields and files, each at most once and within the size limit."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(
            "unsupported_content_type",
            "Send the image as multipart/form-data (curl -F image_file=@photo.jpg).",
        )
    try:
        body_size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        body_size = 0
    if body_size > 2 * max_upload_bytes() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise _too_large()
    cap_uploads(request, max_upload_bytes(), max_files=API_MAX_FILES)
    try:
        fields, files = request.POST, request.FILES
    except RequestDataTooBig:
        raise _too_large() from None
    except TooManyFilesSent as exc:
        raise ApiError(
            "malformed_request",
            "Send at most two files: image_file and, optionally, bg_image_file.",
        ) from exc
    except (MultiPartParserError, TooManyFieldsSent, ValueError) as exc:
        raise ApiError(
            "malformed_request",
            f"The multipart body could not be read ({exc}). A part header (with its file "
            "name) may be at most 1 KB.",
        ) from exc
    oversize = sorted(oversize_fields(request))
    if oversize:
        raise _too_large(oversize[0])
    known = {param.name: param for param in declared_params()}
    for name in sorted({*fields.keys(), *files.keys()}):
        if name not in known:
            raise ApiError(
                "unknown_parameter",
                f"{name!r} is not a parameter of this endpoint; use {', '.join(known)}.",
                parameter=name,
            )
        if len(fields.getlist(name)) + len(files.getlist(name)) > 1:
            raise ApiError("unknown_parameter", f"Give {name} once.", parameter=name)
        is_file = known[name].kind == "file"
        if is_file and name in fields:
            raise ApiError("invalid_parameter", f"Send {name} as a file upload.", parameter=name)
        if not is_file and name in files:
            raise ApiError("invalid_parameter", f"{name} is text, not a file.", parameter=name)
    return {name: fields[name] for name in fields}, {name: files[name] for name in files}


def _choice(fields: dict[str, str], param: Param) -> str:
    value = fields.get(param.name, "").strip().lower() or (param.default or "")
    if param.enum and value not in param.enum:
        raise ApiError(
            "invalid_parameter",
            f"{param.name} must be one of {', '.join(param.enum)}, not {value!r}.",
            parameter=param.name,
        )
    return value


def _boolean(fields: dict[str, str], param: Param) -> bool:
    value = fields.get(param.name, "").strip().lower() or (param.default or "")
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ApiError(
        "invalid_parameter",
        f"{param.name} must be true or false, not {fields[param.name]!r}.",
        parameter=param.name,
    )


def _number(fields: dict[str, str], param: Param) -> float:
    raw = fields.get(param.name, "").strip() or (param.default or "0")
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        raise ApiError(
            "invalid_parameter",
            f"{param.name} must be a number, not {raw!r}.",
            parameter=param.name,
        )
    return value


def _shadow_style(fields: dict[str, str], params: dict[str, Param]) -> pipeline.DropStyle:
    values = {
        attr: _number(fields, params[name]) for name, (attr, _) in SHADOW_STYLE_PARAMS.items()
    }
    try:
        return pipeline.build_drop_style(**values)
    except pipeline.OptionError as exc:
        raise option_error(exc) from exc


def parse_removal(request: HttpRequest) -> RemovalRequest:
    """Read and check every parameter; raise ApiError (400, 413 or 415) on the first problem."""
    fields, files = read_form(request)
    params = {param.name: param for param in declared_params()}
    if "image_file" not in files:
        raise ApiError(
            "missing_parameter",
            "Upload the photo as the image_file form field.",
            parameter="image_file",
        )
    try:
        margin = pipeline.parse_margin(fields.get("crop_margin"))
    except pipeline.OptionError as exc:
        raise option_error(exc) from exc
    parsed = RemovalRequest(
        image=files["image_file"],
        format=_choice(fields, params["format"]),
        bg_color=fields.get("bg_color", "").strip() or None,
        bg_image=files.get("bg_image_file"),
        blur=_number(fields, params["blur"]),
        crop=_boolean(fields, params["crop"]),
        crop_margin=margin,
        size=_choice(fields, params["size"]),
        model=_choice(fields, params["model"]),
        matting=_boolean(fields, params["matting"]),
        shadow=_choice(fields, params["shadow"]),
        shadow_style=_shadow_style(fields, params),
        keep_mask=files.get("keep_mask"),
        remove_mask=files.get("remove_mask"),
    )
    check_options(parsed)
    check_model(parsed.model)
    return parsed


def check_model(name: str) -> None:
    """A model this server has no file for is refused now (503 model_unavailable, as when the
    worker finds it missing), not after the job's wait."""
    if model_file_problem(name, Path(settings.PIXELFORGE_MODELS_DIR)):
        raise ApiError(
            "model_unavailable",
            f"The {name} model is not installed on this server; choose another model.",
            parameter="model",
        )


# Stands in for an uploaded background image during the early check, so the pipeline's own
# one-background rule runs before anything is decoded.
_BACKGROUND_PLACEHOLDER = Image.new("RGB", (1, 1))


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


def check_options(parsed: RemovalRequest) -> None:
    """Run the pipeline's own option checks before any decoding (fail fast and cheaply)."""
    try:
        pipeline.build_render_options(
            bg_color=parsed.bg_color,
            bg_image=_BACKGROUND_PLACEHOLDER if parsed.bg_image is not None else None,
            blur=parsed.blur,
            crop=parsed.crop,
            margin=parsed.crop_margin.pixels(None),
        )
    except pipeline.OptionError as exc:
        raise option_error(exc) from exc
