"""The OpenAPI 3.1 document, built from the same declarations the API runs on.

Parameters come from ``params.declared_params``, errors from ``errors.ERRORS``, paths from the
URL configuration and security from the settings, so the document describes this deployment.
The JSON bodies' schemas (job status, errors, the JSON result) are in ``openapi_schemas.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tools.api.errors import ERRORS, statuses
from tools.api.openapi_schemas import schemas
from tools.api.params import Param, declared_params
from tools.api.results import CONTENT_TYPES
from tools.ratelimit import parse_rate

API_VERSION = "1.0.0"
RESULT_HEADERS: list[tuple[str, str, str]] = [  # (name, JSON type, description)
    ("X-Width", "integer", "Width of the output image in pixels."),
    ("X-Height", "integer", "Height of the output image in pixels."),
    ("X-Foreground-Top", "integer", "Top edge of the subject's box in the output, in pixels."),
    ("X-Foreground-Left", "integer", "Left edge of the subject's box in the output, in pixels."),
    ("X-Foreground-Width", "integer", "Width of the subject's box in pixels."),
    ("X-Foreground-Height", "integer", "Height of the subject's box in pixels."),
    (
        "X-Processing-Time",
        "number",
        "Seconds (not milliseconds) the server spent decoding, removing the background, "
        "compositing and encoding, e.g. 0.842.",
    ),
]
OPTIONAL_HEADERS: list[tuple[str, str, str]] = [
    (
        "X-Scaled-From",
        "string",
        "WIDTHxHEIGHT of the uploaded image, sent only when it was larger than this server's "
        "pixel or side limit and was scaled down to fit before processing.",
    ),
]
STATUS_TEXT = {
    400: "Bad parameter",
    401: "API key required",
    403: "API key not valid",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    415: "Not an image we can read, or not multipart/form-data",
    422: "Cannot be processed",
    429: "Rate limited",
    500: "Server fault",
    503: "Unavailable for now: the model, the queue or job storage",
}
# Only the job URLs answer job_not_found; not_found is for addresses the document does not list.
JOB_ERRORS = {"job_not_found", "not_found"}


def rate_limit_text() -> str:
    rate = parse_rate(settings.PIXELFORGE_API_RATE_LIMIT)
    if rate is None:
        return "This server sets no rate limit on the API."
    return f"{rate.limit} requests per {rate.window} seconds per client address."


def param_schema(param: Param) -> dict[str, object]:
    if param.kind == "file":
        schema: dict[str, object] = {
            "type": "string",
            "format": "binary",
            "contentMediaType": "application/octet-stream",
        }
    elif param.kind == "boolean":
        schema = {"type": "boolean"}
    elif param.kind == "number":
        schema = {"type": "number"}
    else:
        schema = {"type": "string"}
    schema["description"] = param.description
    if param.enum:
        schema["enum"] = list(param.enum)
    if param.default is not None:
        schema["default"] = _typed(param, param.default)
    if param.example is not None:
        schema["examples"] = [_typed(param, param.example)]
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    if param.pattern:
        schema["pattern"] = param.pattern
    return schema


def _typed(param: Param, value: str) -> object:
    if param.kind == "boolean":
        return value == "true"
    if param.kind == "number":
        return float(value)
    return value


def request_body() -> dict[str, object]:
    params = declared_params()
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {param.name: param_schema(param) for param in params},
                    "required": [param.name for param in params if param.required],
                    "additionalProperties": False,
                },
                "encoding": {
                    "image_file": {"contentType": "image/*, application/octet-stream"},
                    "bg_image_file": {"contentType": "image/*, application/octet-stream"},
                    "keep_mask": {"contentType": "image/*, application/octet-stream"},
                    "remove_mask": {"contentType": "image/*, application/octet-stream"},
                },
            }
        },
    }


def _header(kind: str, description: str) -> dict[str, object]:
    return {"description": description, "schema": {"type": kind}, "required": True}


def success_response() -> dict[str, object]:
    images = {
        content_type: {"schema": {"type": "string", "contentMediaType": content_type}}
        for content_type in sorted(set(CONTENT_TYPES.values()))
    }
    return {
        "description": (
            "The result. The image bytes in the requested format, or, when the request has "
            "Accept: application/json, a JSON object with the same fields and the image in "
            "base64. The subject's box is in output pixels, after cropping."
        ),
        "headers": {
            **{name: _header(kind, text) for name, kind, text in RESULT_HEADERS},
            **{
                name: {**_header(kind, text), "required": False}
                for name, kind, text in OPTIONAL_HEADERS
            },
        },
        "content": {
            **images,
            "application/json": {"schema": {"$ref": "#/components/schemas/RemovalResult"}},
        },
    }


def error_responses(only: set[str] | None = None) -> dict[str, object]:
    """Error responses by status: every code but the job URLs' own, or just ``only``."""
    responses: dict[str, object] = {}
    for status in statuses():
        codes = [
            kind
            for kind in ERRORS.values()
            if kind.status == status
            and (kind.code in only if only is not None else kind.code not in JOB_ERRORS)
        ]
        if not codes:
            continue
        listing = "; ".join(f"`{kind.code}`: {kind.when}" for kind in codes)
        response: dict[str, object] = {
            "description": f"{STATUS_TEXT[status]}. Error codes: {listing}",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
        }
        if status in (429, 503):
            response["headers"] = {
                "Retry-After": _header("integer", "Seconds to wait before trying again.")
            }
        elif status == 401:
            response["headers"] = {"WWW-Authenticate": _header("string", "Bearer challenge.")}
        elif status == 405:
            response["headers"] = {"Allow": _header("string", "The allowed method: POST.")}
        responses[str(status)] = response
    return responses


def accepted_response() -> dict[str, object]:
    return {
        "description": (
            "Queued: the call was asked to answer at once (?async=1 or Prefer: respond-async), "
            "or the synchronous call's wait ran out. Poll the Location (status_url)."
        ),
        "headers": {"Location": _header("string", "The job's status URL.")},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobStatus"}}},
    }


def async_parameters() -> list[dict[str, object]]:
    return [
        {
            "name": "async",
            "in": "query",
            "required": False,
            "description": "1: answer 202 with a status URL at once instead of waiting.",
            "schema": {"type": "string", "enum": ["0", "1", "true"]},
        },
        {
            "name": "Prefer",
            "in": "header",
            "required": False,
            "description": "respond-async: the same as async=1 (RFC 7240).",
            "schema": {"type": "string"},
        },
    ]


def job_paths(required: list[dict[str, list[str]]]) -> dict[str, object]:
    code = {
        "name": "code",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
        "description": "The job code from a 202 answer.",
    }
    status_path = reverse("api:job", kwargs={"code": "00000000-0000-0000-0000-000000000000"})
    result_path = reverse("api:job_result", kwargs={"code": "00000000-0000-0000-0000-000000000000"})
    placeholder = "00000000-0000-0000-0000-000000000000"
    json_status = {"application/json": {"schema": {"$ref": "#/components/schemas/JobStatus"}}}
    return {
        status_path.replace(placeholder, "{code}"): {
            "get": {
                "operationId": "getJob",
                "summary": "The state of an asynchronous call",
                "security": required,
                "parameters": [code],
                "responses": {
                    "200": {"description": "The job's state.", "content": json_status},
                    **error_responses(
                        only={"job_not_found", "api_key_required", "api_key_invalid"}
                    ),
                },
            }
        },
        result_path.replace(placeholder, "{code}"): {
            "get": {
                "operationId": "getJobResult",
                "summary": "The result of a finished asynchronous call",
                "security": required,
                "parameters": [code],
                "responses": {
                    "200": success_response(),
                    "202": accepted_response(),
                    **error_responses(
                        only={
                            "job_not_found",
                            "api_key_required",
                            "api_key_invalid",
                            "no_foreground",
                            "cannot_process",
                            "server_error",
                            "model_unavailable",
                        }
                    ),
                },
            }
        },
    }


def security() -> tuple[dict[str, object], list[dict[str, list[str]]]]:
    schemes = {
        "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "BearerKey": {"type": "http", "scheme": "bearer", "description": "The API key."},
    }
    required: list[dict[str, list[str]]] = [{"ApiKeyHeader": []}, {"BearerKey": []}]
    if not settings.PIXELFORGE_API_KEYS:
        required.insert(0, {})  # keys are optional on this server
    return schemes, required


def build_document(server_url: str = "") -> dict[str, object]:
    schemes, required = security()
    document: dict[str, object] = {
        "openapi": "3.1.0",
        "info": {
            "title": f"{settings.SITE_NAME} API",
            "version": API_VERSION,
            "summary": "Remove the background from a photo with one request.",
            "description": (
                "Free background removal on a self-hosted server. "
                f"Rate limit: {rate_limit_text()} "
                'Errors are JSON: {"errors": [{"code", "title", "detail"}]}.'
            ),
        },
        "paths": {
            reverse("api:remove_background"): {
                "post": {
                    "operationId": "removeBackground",
                    "summary": "Remove the background from an image",
                    "security": required,
                    "parameters": async_parameters(),
                    "requestBody": request_body(),
                    "responses": {
                        "200": success_response(),
                        "202": accepted_response(),
                        **error_responses(),
                    },
                }
            },
            **job_paths(required),
            reverse("api:openapi"): {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This OpenAPI document",
                    "security": [{}],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": schemas(), "securitySchemes": schemes},
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
