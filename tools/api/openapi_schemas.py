"""The OpenAPI document's component schemas: the JSON bodies the API answers with.

A job's status, an error and the list of errors, and the JSON form of a result. Error codes
come from ``errors.ERRORS`` and formats from ``service.CONTENT_TYPES``, so they cannot drift.
"""

from __future__ import annotations

from tools.api.errors import ERRORS
from tools.api.results import CONTENT_TYPES


def schemas() -> dict[str, object]:
    integer = {"type": "integer", "minimum": 0}
    nullable_integer = {"type": ["integer", "null"], "minimum": 0}
    return {
        "JobStatus": {
            "type": "object",
            "required": ["code", "state", "status_url"],
            "properties": {
                "code": {"type": "string", "format": "uuid"},
                "state": {
                    "type": "string",
                    "enum": ["queued", "processing", "done", "failed", "expired"],
                },
                "stage": {
                    "type": ["string", "null"],
                    "enum": ["decoding", "segmenting", "matting", "finishing", None],
                },
                "stage_label": {"type": ["string", "null"]},
                "position": {
                    **nullable_integer,
                    "description": "Place in the queue (1 = next) while queued.",
                },
                "estimate_seconds": {
                    **nullable_integer,
                    "description": "Estimated seconds until done, from the measured speed.",
                },
                "width": integer,
                "height": integer,
                "error": {"type": ["string", "null"]},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}},
                "expires_at": {"type": "string", "format": "date-time"},
                "processing_ms": integer,
                "status_url": {"type": "string"},
                "result_url": {"type": "string", "description": "Present once done."},
            },
        },
        "Error": {
            "type": "object",
            "required": ["code", "title", "detail"],
            "properties": {
                "code": {"type": "string", "enum": sorted(ERRORS)},
                "title": {"type": "string", "description": "A short summary of the code."},
                "detail": {"type": "string", "description": "What was wrong and what to do."},
                "source": {
                    "type": "object",
                    "properties": {"parameter": {"type": "string"}},
                    "description": "The form field the error is about, when there is one.",
                },
            },
        },
        "Errors": {
            "type": "object",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/components/schemas/Error"},
                }
            },
        },
        "RemovalResult": {
            "type": "object",
            "required": [
                "width",
                "height",
                "foreground_top",
                "foreground_left",
                "foreground_width",
                "foreground_height",
                "processing_time",
                "format",
                "content_type",
                "image_base64",
            ],
            "properties": {
                "width": integer,
                "height": integer,
                "foreground_top": integer,
                "foreground_left": integer,
                "foreground_width": integer,
                "foreground_height": integer,
                "processing_time": {"type": "number", "description": "Seconds."},
                "format": {"type": "string", "enum": sorted(CONTENT_TYPES)},
                "content_type": {"type": "string", "enum": sorted(set(CONTENT_TYPES.values()))},
                "image_base64": {"type": "string", "contentEncoding": "base64"},
                "scaled_from": {
                    "type": ["object", "null"],
                    "description": "The upload's size when it was scaled down to fit, else null.",
                    "properties": {"width": integer, "height": integer},
                },
            },
        },
    }
