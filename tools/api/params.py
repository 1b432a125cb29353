"""The parameters of POST /api/v1/remove-background: declared once, parsed into typed values.

PARAMS drives the parser, the OpenAPI document and the documentation page, so the three cannot
drift apart. Option rules (colours, one background at most, blur and margin ranges) live in
``tools.pipeline`` and are only called from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from PIL import Image

from tools import pipeline
from tools.api.errors import ApiError
from tools.uploads import cap_uploads, oversize_fields

FORMATS = ("png", "webp", "jpg", "mask")
SIZES = ("preview", "full")
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


def model_names() -> tuple[str, ...]:
    return tuple(pipeline.MODELS)


def declared_params() -> list[Param]:
    """Every parameter the endpoint takes (defaults that come from settings included)."""
    return [
        Param(
            "image_file",
            "file",
            "The photo: JPEG, PNG, WebP, GIF (first frame), BMP or TIFF, at most "
            f"{settings.PIXELFORGE_MAX_UPLOAD_MB} MB and {settings.PIXELFORGE_MAX_PIXELS:,} "
            f"pixels, {settings.PIXELFORGE_MAX_SIDE:,} px on the longest side.",
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


def upload_limit_bytes() -> int:
    return settings.PIXELFORGE_MAX_UPLOAD_MB * 1024 * 1024


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
    if body_size > 2 * upload_limit_bytes() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise _too_large()
    cap_uploads(request, upload_limit_bytes())
    try:
        fields, files = request.POST, request.FILES
    except RequestDataTooBig:
        raise _too_large() from None
    except (MultiPartParserError, TooManyFieldsSent, ValueError) as exc:
        raise ApiError(
            "malformed_request", f"The multipart body could not be read ({exc})."
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
    except ValueError as exc:
        raise ApiError("invalid_parameter", str(exc), parameter="crop_margin") from exc
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
    )
    check_options(parsed)
    return parsed


# Stands in for an uploaded background image during the early check, so the pipeline's own
# one-background rule runs before anything is decoded.
_BACKGROUND_PLACEHOLDER = Image.new("RGB", (1, 1))


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
    except ValueError as exc:
        raise ApiError("invalid_parameter", str(exc), parameter=_blame(str(exc), parsed)) from exc


def _blame(message: str, parsed: RemovalRequest) -> str | None:
    """The parameter a pipeline option message is about, for the error's source."""
    lowered = message.lower()
    if "one background" in lowered:
        return "bg_image_file" if parsed.bg_image is not None else "bg_color"
    for word, name in (("colour", "bg_color"), ("blur", "blur"), ("margin", "crop_margin")):
        if word in lowered:
            return name
    return None
