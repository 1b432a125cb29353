"""The production set-up under abuse, through a real nginx from the project's template:
answers given before a body is read, slow connections from one address, a TLS terminator in
front, and error bodies under /api/."""

from __future__ import annotations

import http.client
import shutil
import threading

import pytest

from tests import servers

pytestmark = [
    pytest.mark.proxy,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
]

BIG = b"x" * 230_000  # past what gunicorn drains by itself (64 KB) before it drops a connection


def post(base: str, path: str, body: bytes, content_type: str) -> int:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(
            "POST", path, body, {"Content-Type": content_type, "Accept": "application/json"}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def multipart(data: bytes) -> tuple[bytes, str]:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="image_file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + data + b"\r\n--b--\r\n"
    )
    return body, "multipart/form-data; boundary=b"


def test_early_answers_do_not_break_other_visitors_posts(tmp_path):
    # An over-limit client re-posting a 230 KB upload (429 on the form and the API) and one
    # posting a body that is not multipart (415): gunicorn gave up on the unread body and
    # closed the connection nginx was keeping, so the next POST on it got a 502.
    with servers.proxied_site(
        tmp_path,
        threads=4,
        PIXELFORGE_UPLOAD_RATE_LIMIT="1/hour",
        PIXELFORGE_API_RATE_LIMIT="1/hour",
    ) as base:
        upload, upload_type = multipart(BIG)
        attacks = [
            ("/tools/remove-background/", upload, upload_type),
            ("/api/v1/remove-background", upload, upload_type),
            ("/api/v1/remove-background", BIG, "application/octet-stream"),
        ]
        seen: list[int] = []
        stop = threading.Event()

        def attack(path: str, body: bytes, content_type: str) -> None:
            while not stop.is_set():
                seen.append(post(base, path, body, content_type))

        threads = [threading.Thread(target=attack, args=a, daemon=True) for a in attacks]
        for thread in threads:
            thread.start()
        try:
            visitors = [
                post(base, "/tools/remove-background/", b"", "application/x-www-form-urlencoded")
                for _ in range(80)
            ]
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert 502 not in visitors, visitors
        assert 502 not in seen
        assert {429, 415} <= set(seen)
