"""An API call's stored output, answered without holding it in the web process.

The worker leaves the encoded image in the job's folder. A small one is read and answered
whole. A larger one is streamed from the file in chunks: as the raw bytes, or inside the JSON
document as base64 encoded chunk by chunk (each chunk a multiple of 3 bytes, so the pieces join
into one base64 string). The JSON is byte for byte what JsonResponse gives for the document;
only the web process's memory differs: a 40 MP JSON call held the PNG, its base64 and the JSON
text at once (see docs/benchmarks.md).
"""

from __future__ import annotations

import base64
import io
import json
import uuid
from collections.abc import Iterator
from typing import BinaryIO

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from tools.api.results import Removal
from tools.services import storage

STREAM_ABOVE_BYTES = 1024 * 1024  # smaller outputs are answered from memory
CHUNK_BYTES = 3 * 64 * 1024  # a multiple of 3: base64 pieces join without padding


def _open(removal: Removal) -> tuple[BinaryIO, int]:
    if not removal.path:
        return io.BytesIO(removal.data), len(removal.data)
    with storage.storage_guard(f"open {removal.path}"):
        size = default_storage.size(removal.path)
        return default_storage.open(removal.path, "rb"), size


def _chunks(handle: BinaryIO, size: int) -> Iterator[bytes]:
    """The file's bytes in chunks of CHUNK_BYTES (the last one shorter); closes it."""
    try:
        left = size
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            while len(chunk) < min(CHUNK_BYTES, left):  # a short read from some storages
                more = handle.read(min(CHUNK_BYTES, left) - len(chunk))
                if not more:
                    raise OSError("The stored result ended early.")
                chunk += more
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _base64_length(size: int) -> int:
    return 4 * ((size + 2) // 3)


def raw_response(removal: Removal) -> HttpResponse:
    handle, size = _open(removal)
    if size <= STREAM_ABOVE_BYTES:
        with handle:
            return HttpResponse(handle.read(), content_type=removal.content_type)
    response = StreamingHttpResponse(_chunks(handle, size), content_type=removal.content_type)
    response["Content-Length"] = str(size)
    response._resource_closers.append(handle.close)  # also when never read (as FileResponse)
    return response


def json_response(removal: Removal, document: dict, field: str) -> HttpResponse:
    """``document`` with ``field`` set to the output in base64, as JSON."""
    handle, size = _open(removal)
    if size <= STREAM_ABOVE_BYTES:
        with handle:
            data = handle.read()
        return JsonResponse({**document, field: base64.b64encode(data).decode("ascii")})
    marker = json.dumps(f"image-{uuid.uuid4().hex}")
    text = json.dumps({**document, field: json.loads(marker)}, cls=DjangoJSONEncoder)
    before, after = (part.encode() for part in text.split(marker))

    def body() -> Iterator[bytes]:
        yield before + b'"'
        for chunk in _chunks(handle, size):
            yield base64.b64encode(chunk)
        yield b'"' + after

    response = StreamingHttpResponse(body(), content_type="application/json")
    response["Content-Length"] = str(len(before) + 2 + _base64_length(size) + len(after))
    response._resource_closers.append(handle.close)
    return response
