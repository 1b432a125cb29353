"""Cap the size of uploaded files while they are read, before they reach a form.

Django only knows a file's size once the whole body has been stored; this handler counts
bytes as they arrive and skips a file as soon as it passes the limit, remembering its field
name so the form can say the file was too large rather than missing.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest


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
