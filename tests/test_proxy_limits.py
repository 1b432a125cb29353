"""The production set-up under abuse, through a real nginx from the project's template:
answers given before a body is read, slow connections from one address, a TLS terminator in
front, and error bodies under /api/."""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

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


def raw_answer(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as is; the status, headers and body of the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        with contextlib.suppress(ConnectionResetError):  # nginx resets an unread body
            while chunk := sock.recv(65536):
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_nginx_answers_the_api_in_json_and_keeps_its_version_to_itself(tmp_path):
    with servers.proxied_site(tmp_path) as base:
        status, headers, body = raw_answer(
            base,
            b"POST /api/v1/remove-background HTTP/1.1\r\nHost: localhost\r\n"
            b"Connection: close\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 62914560\r\n\r\n",
        )
        assert status == 413
        assert headers["content-type"] == "application/json"
        assert json.loads(body)["errors"][0]["code"] == "file_too_large"
        assert headers["server"] == "nginx"  # was nginx/1.22.1
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/api/v1/jobs/not-a-code", timeout=10)
        assert missing.value.code == 404
        assert json.loads(missing.value.read())["errors"][0]["code"] == "job_not_found"


SLOW = 100


def test_slow_bodies_from_one_address_are_limited_and_visitors_still_answered(tmp_path):
    # 1,022 connections trickling a body from one host took all of nginx's 1,024 worker
    # connections. Now one address may have 32 requests in progress; more get 429 at once
    # (and their connections end within the 5 s lingering time). The attacker is 127.0.0.2,
    # the visitor 127.0.0.1: loopback only.
    with servers.proxied_site(tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        sockets: list[socket.socket] = []
        stop = threading.Event()
        try:
            for _ in range(SLOW):
                sock = socket.socket()
                sock.settimeout(5)
                sock.bind(("127.0.0.2", 0))
                sock.connect(("127.0.0.1", port))
                sock.sendall(
                    b"POST /tools/remove-background/ HTTP/1.1\r\nHost: localhost\r\n"
                    b"Content-Type: multipart/form-data; boundary=x\r\n"
                    b"Content-Length: 1000000\r\n\r\n0123456789"
                )
                sock.setblocking(False)  # peeks and trickles below never wait
                sockets.append(sock)

            def trickle() -> None:
                while not stop.wait(1.0):
                    for sock in sockets:
                        with contextlib.suppress(OSError):
                            sock.send(b"0123456789")

            thread = threading.Thread(target=trickle, daemon=True)
            thread.start()
            time.sleep(2)
            refused = 0
            for sock in sockets:
                with contextlib.suppress(OSError):
                    if sock.recv(12, socket.MSG_PEEK) == b"HTTP/1.1 429":
                        refused += 1
            assert refused == SLOW - 32
            for _ in range(3):
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                    assert response.status == 200
        finally:
            stop.set()
            for sock in sockets:
                sock.close()


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9vR2mT5wZ8bN4cF6hJ1lD3sG0aE" * 2,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_BEHIND_TLS_PROXY": "true",
}


def get(url: str, **headers: str) -> tuple[int, str]:
    """Status and Location of a GET, redirects not followed (TLS not verified: a test cert)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        context = ssl._create_unverified_context()
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, context=context)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port)
    try:
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


def test_behind_a_tls_terminator_https_requests_are_not_redirected(tmp_path):
    # The template replaced the terminator's X-Forwarded-Proto: https with nginx's own "http",
    # so Django answered 301 to https for ever.
    with servers.proxied_site(tmp_path, PIXELFORGE_TRUSTED_PROXY_COUNT="2", **PRODUCTION) as base:
        url = base + "/api/openapi.json"
        assert get(url, **{"X-Forwarded-Proto": "https"})[0] == 200
        status, location = get(url, **{"X-Forwarded-Proto": "http"})
        assert status == 301 and location.startswith("https://")


def test_nginx_terminating_tls_sends_plain_http_to_https_and_ignores_a_forged_header(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    tls_port = servers.free_port()
    tls = ("--tls-listen", f"127.0.0.1:{tls_port}", "--tls-certificate", str(cert))
    with servers.proxied_site(
        tmp_path,
        nginx_args=(*tls, "--tls-key", str(key)),
        PIXELFORGE_TRUSTED_PROXY_COUNT="1",
        **PRODUCTION,
    ) as base:
        servers.wait_for_port(tls_port)
        assert get(f"https://127.0.0.1:{tls_port}/api/openapi.json")[0] == 200
        status, location = get(base + "/api/openapi.json", **{"X-Forwarded-Proto": "https"})
        assert status == 301 and location.startswith("https://")  # a client cannot claim TLS


def test_a_rate_limit_holds_for_40_concurrent_requests(tmp_path):
    # Django's file cache (the default) reads then writes: 28 of 40 passed a limit of 10.
    with servers.proxied_site(
        tmp_path, workers=2, threads=8, PIXELFORGE_API_RATE_LIMIT="10/hour"
    ) as base:
        barrier = threading.Barrier(40)

        def call(_: int) -> int:
            barrier.wait()
            return post(base, "/api/v1/remove-background", *multipart(b"not an image"))

        with ThreadPoolExecutor(40) as pool:
            statuses = list(pool.map(call, range(40)))
        assert statuses.count(429) == 30, statuses
