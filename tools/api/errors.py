"""The API's error catalogue and its JSON error responses.

Every error the API can answer with is listed once in ERRORS; the OpenAPI document and the
documentation page are built from the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import JsonResponse

from tools.pipeline.formats import ACCEPTED_TEXT
from tools.services import cutouts


@dataclass(frozen=True)
class ErrorKind:
    status: int
    code: str
    title: str
    when: str  # for the documentation


ERRORS: dict[str, ErrorKind] = {
    kind.code: kind
    for kind in (
        ErrorKind(400, "missing_parameter", "A required parameter is missing", "No image_file."),
        ErrorKind(
            400,
            "invalid_parameter",
            "A parameter has an invalid value",
            "An unknown format, size or model, a malformed boolean, colour, blur or margin, "
            "two backgrounds at once, or a file where text is expected (or the reverse).",
        ),
        ErrorKind(
            400,
            "unknown_parameter",
            "Unknown parameter",
            "A form field this endpoint does not take (often a typo), or one given twice.",
        ),
        ErrorKind(
            400,
            "malformed_request",
            "Malformed request",
            "A broken multipart body, a part header over 1 KB (such as a very long file name), "
            "or more than two files.",
        ),
        ErrorKind(
            401,
            "api_key_required",
            "An API key is required",
            "The server requires keys and the request carried none.",
        ),
        ErrorKind(403, "api_key_invalid", "The API key is not valid", "The key is not known."),
        ErrorKind(405, "method_not_allowed", "Method not allowed", "Anything but POST."),
        ErrorKind(
            413,
            "file_too_large",
            "The file is too large",
            "An uploaded file (or the whole request) is over the upload size limit.",
        ),
        ErrorKind(
            413,
            "image_too_large",
            "The image has too many pixels",
            "The image declares more pixels than the server accepts at all (larger than the "
            "working limit but within that, it is scaled down instead).",
        ),
        ErrorKind(
            415,
            "unreadable_image",
            "The file is not an image we can read",
            f"Not a {ACCEPTED_TEXT} file (other formats, such as TGA, ICO or EPS, are refused "
            "unread), or a damaged one.",
        ),
        ErrorKind(
            415,
            "unsupported_content_type",
            "Send multipart/form-data",
            "The request body is not multipart/form-data.",
        ),
        ErrorKind(
            422,
            "no_foreground",
            "No foreground found",
            "The model found no subject to keep in the image.",
        ),
        ErrorKind(
            422,
            "cannot_process",
            "The image cannot be processed",
            "The image was read but the background could not be removed; logged with a reference.",
        ),
        ErrorKind(404, "job_not_found", "No such job", "Unknown, expired or deleted job code."),
        ErrorKind(404, "not_found", "No such address", "Nothing in the API answers at this path."),
        ErrorKind(
            429,
            "rate_limited",
            "Too many requests",
            "Over the per-address rate limit; wait for the number of seconds in Retry-After.",
        ),
        ErrorKind(
            500, "server_error", "Server error", "A fault on our side, logged with a reference."
        ),
        ErrorKind(
            503,
            "model_unavailable",
            "The model is not available",
            "The server's model file is missing or broken; the operator must fetch it.",
        ),
        ErrorKind(
            503,
            "busy",
            "The queue is full",
            "Too many images are waiting; retry after the seconds in Retry-After.",
        ),
        ErrorKind(
            503,
            "service_unavailable",
            "Processing is unavailable",
            "Job storage or the queue cannot be reached; retry after Retry-After.",
        ),
    )
}


@dataclass
class ApiError(Exception):
    """An error answer: ``code`` is a key of ERRORS, ``detail`` says what to change."""

    code: str
    detail: str
    parameter: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)
        if self.code not in ERRORS:
            raise ValueError(f"Unknown API error code {self.code!r}")

    @property
    def kind(self) -> ErrorKind:
        return ERRORS[self.code]

    def as_dict(self) -> dict[str, object]:
        item: dict[str, object] = {
            "code": self.code,
            "title": self.kind.title,
            "detail": self.detail,
        }
        if self.parameter:
            item["source"] = {"parameter": self.parameter}
        return item


# The one mapping from a cut-out's failure to the API's errors: the service's kinds
# (services/cutouts.kind_of) as codes, and the request's fields as the API's parameters.
CODES = {
    "too_large": "image_too_large",
    "unreadable": "unreadable_image",
    "invalid": "invalid_parameter",
    "no_subject": "no_foreground",
    "model_unavailable": "model_unavailable",
    "cannot_process": "cannot_process",
}
PARAMETERS = {
    "photo": "image_file",
    "background": "bg_image_file",
    "keep": "keep_mask",
    "remove": "remove_mask",
    "model": "model",
}


def from_failure(kind: str, message: str, field: str | None = None) -> ApiError:
    """A failure of the cut-out service (stored on the job, or raised) as the API's error."""
    return ApiError(CODES.get(kind, "cannot_process"), message, parameter=PARAMETERS.get(field))


def image_error(exc: Exception, field: str) -> ApiError:
    """A pipeline error about the request's ``field`` (photo, background) as the API's error."""
    return from_failure(cutouts.kind_of(exc), str(exc), field)


def error_response(error: ApiError) -> JsonResponse:
    response = JsonResponse({"errors": [error.as_dict()]}, status=error.kind.status)
    for name, value in error.headers.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def statuses() -> list[int]:
    return sorted({kind.status for kind in ERRORS.values()})
