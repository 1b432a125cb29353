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


class SizeCapUploadHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        request.oversize_fields = set()

    def new_file(self, field_name: str, *args: object, **kwargs: object) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.oversize_fields.add(self.field_name)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


def cap_uploads(request: HttpRequest, limit: int) -> None:
    """Put the size cap in front of Django's handlers (call before touching request.POST)."""
    request.upload_handlers.insert(0, SizeCapUploadHandler(request, limit))


def oversize_fields(request: HttpRequest) -> set[str]:
    return getattr(request, "oversize_fields", set())


def unreadable_body(request: HttpRequest) -> str:
    """Parse the form body now; "" when it is readable, else what to tell the person.

    Django raises on a body it will not parse (a part header over 1 KB, such as a file name of
    a thousand characters; too many files or fields); left to Django, that is a bare 400 page.
    """
    try:
        request.POST  # noqa: B018  (parses the body, files included)
    except RequestDataTooBig:
        return (
            f"This upload is larger than {settings.PIXELFORGE_MAX_UPLOAD_MB} MB. "
            "Choose a smaller file."
        )
    except TooManyFilesSent:
        return "Send one image at a time."
    except (MultiPartParserError, TooManyFieldsSent):
        return (
            "This upload could not be read. If the file has a very long name, rename it "
            "(a few words are plenty) and try again."
        )
    return ""
