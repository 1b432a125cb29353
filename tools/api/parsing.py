"""Reading POST /api/v1/remove-background: the multipart body within its limits, then each
declared parameter (``tools.api.params``) turned into a typed ``RemovalRequest``.

Every problem raises ``ApiError`` naming its parameter, before anything is decoded.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from PIL import Image

from tools import pipeline
from tools.api.errors import ApiError
from tools.api.params import (
    FALSE,
    SHADOW_STYLE_PARAMS,
    TRUE,
    Param,
    RemovalRequest,
    declared_params,
    option_error,
)
from tools.pipeline.manifest import model_file_problem
from tools.uploads import cap_uploads, max_upload_bytes, oversize_fields

API_MAX_FILES = 4  # an image and a background image, with room to spare


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
