"""A large API result is streamed from its file: the same bytes and JSON as a small one.

One call (small image, fast model) is made in the async mode; its result URL is then read
whole (under the streaming threshold) and streamed (threshold 0, tiny chunks, so the base64
pieces must join across many chunk borders), in both the raw and the JSON form.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.http import StreamingHttpResponse

from tests.api_support import FAST, configure_api, image_bytes, post, subject_image
from tools.api import streaming

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)
    return response.content


def test_a_streamed_result_is_the_same_as_a_whole_one(client, settings, monkeypatch):
    configure_api(settings)
    queued = post(
        client, image_bytes(subject_image((251, 167))), HTTP_PREFER="respond-async", **FAST
    )
    assert queued.status_code == 202
    url = queued.json()["status_url"] + "/result"
    raw_whole = client.get(url, HTTP_ACCEPT="image/png")
    json_whole = client.get(url, HTTP_ACCEPT="application/json")
    assert not isinstance(json_whole, StreamingHttpResponse)

    monkeypatch.setattr(streaming, "STREAM_ABOVE_BYTES", 0)
    monkeypatch.setattr(streaming, "CHUNK_BYTES", 3 * 7)  # many chunks, each a multiple of 3
    raw_streamed = client.get(url, HTTP_ACCEPT="image/png")
    json_streamed = client.get(url, HTTP_ACCEPT="application/json")
    assert isinstance(raw_streamed, StreamingHttpResponse)
    assert isinstance(json_streamed, StreamingHttpResponse)

    raw = body_of(raw_streamed)
    assert raw == raw_whole.content and raw.startswith(b"\x89PNG")
    assert int(raw_streamed["Content-Length"]) == len(raw)
    assert raw_streamed["Content-Disposition"] == raw_whole["Content-Disposition"]
    assert raw_streamed["X-Width"] == "251"

    text = body_of(json_streamed)
    assert text == json_whole.content  # byte for byte what JsonResponse gave
    assert int(json_streamed["Content-Length"]) == len(text)
    assert json_streamed["Content-Type"] == "application/json"
    document = json.loads(text)
    assert base64.b64decode(document["image_base64"], validate=True) == raw
    assert document["width"] == 251 and document["format"] == "png"
