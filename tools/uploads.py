"""Cap the size of uploaded files while they are read, before they reach a form.

Django only knows a file's size once the whole body has been stored; this handler counts
bytes as they arrive and skips a file as soon as it passes the limit, remembering its field
name so the form can say the file was too large rather than missing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError


def max_upload_bytes() -> int:
    """The largest file the form or the API accepts (PIXELFORGE_MAX_UPLOAD_MB), in bytes."""
    return settings.PIXELFORGE_MAX_UPLOAD_MB * 1024 * 1024


class TooManyImages(TooManyFilesSent):
    """More files in one upload than ``limit`` (raised while reading, before any is kept)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"More than {limit} files")
        self.limit = limit


class UploadTooLarge(MultiPartParserError):
    """The files of one upload add up to more than ``limit`` bytes (a batch's total)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"More than {limit} bytes of files")
        self.limit = limit


class SizeCapUploadHandler(FileUploadHandler):
    def __init__(
        self,
        request: HttpRequest,
        limit: int,
        *,
        max_files: int | None = None,
        max_total: int | None = None,
    ) -> None:
        super().__init__(request)
        self.limit = limit
        self.max_files = max_files
        self.max_total = max_total
        self.received = 0
        self.files = 0
        self.total = 0
        request.oversize_fields = set()
        request.oversize_files = []  # (field name, file name) of each file skipped

    def new_file(self, field_name: str, *args: object, **kwargs: object) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0
        self.files += 1
        if self.max_files is not None and self.files > self.max_files:
            raise TooManyImages(self.max_files)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        self.total += len(raw_data)
        if self.received > self.limit:
            self.request.oversize_fields.add(self.field_name)
            self.request.oversize_files.append((self.field_name, self.file_name or ""))
            raise SkipFile()
        if self.max_total is not None and self.total > self.max_total:
            raise UploadTooLarge(self.max_total)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


def cap_uploads(
    request: HttpRequest,
    limit: int,
    *,
    max_files: int | None = None,
    max_total: int | None = None,
) -> None:
    """Put the size cap in front of Django's handlers (call before touching request.POST).

    ``max_files`` and ``max_total`` bound the whole upload (a batch): passing either stops
    the reading with TooManyImages or UploadTooLarge."""
    handler = SizeCapUploadHandler(request, limit, max_files=max_files, max_total=max_total)
    request.upload_handlers.insert(0, handler)


def oversize_fields(request: HttpRequest) -> set[str]:
    return getattr(request, "oversize_fields", set())


def oversize_files(request: HttpRequest, field: str) -> list[str]:
    """The names of the files of ``field`` skipped for being over the per-file limit."""
    skipped = getattr(request, "oversize_files", [])
    return [name for name_field, name in skipped if name_field == field]


def body_problem(request: HttpRequest) -> tuple[str, int]:
    """Parse the form body now: ("", 200) when it is readable, else what to tell the person
    and the status to answer with.

    Django raises on a body it will not parse (a part header over 1 KB, such as a file name of
    a thousand characters; too many files or fields); left to Django, that is a bare 400 page.
    """
    try:
        request.POST  # noqa: B018  (parses the body, files included)
    except RequestDataTooBig:
        return (
            f"This upload is larger than {settings.PIXELFORGE_MAX_UPLOAD_MB} MB. "
            "Choose a smaller file.",
            400,
        )
    except TooManyImages as exc:
        return f"Choose at most {exc.limit} images at once.", 422
    except UploadTooLarge as exc:
        return (
            f"These images add up to more than {exc.limit / 1024 / 1024:.0f} MB, the most "
            "one upload may hold. Choose fewer or smaller images.",
            413,
        )
    except TooManyFilesSent:
        return "Send one image at a time.", 400
    except (MultiPartParserError, TooManyFieldsSent):
        return (
            "This upload could not be read. If the file has a very long name, rename it "
            "(a few words are plenty) and try again.",
            400,
        )
    return "", 200


def unreadable_body(request: HttpRequest) -> str:
    """body_problem's message only: "" when the body is readable."""
    return body_problem(request)[0]
