"""gunicorn behind a real nginx, as deployed (deploy/nginx.conf.template): slow clients hold
nginx connections, never gunicorn threads, so pages keep answering. Figures under load are
measured by benchmarks/load.py; here only a generous bound is checked."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests import servers
from tests.conftest import REPO

pytestmark = [
    pytest.mark.proxy,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
]

SLOW_CLIENTS = 50
GENEROUS_SECONDS = 5.0  # a page view must never wait for the slow clients


@pytest.fixture
def proxied_site(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    env = servers.site_env(tmp_path / "media", tmp_path / "cache", DJANGO_STATIC_ROOT=str(static))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        check=True,
    )
    with servers.proxied_site(tmp_path) as base:
        yield base, static


def timed_get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return response.status, time.monotonic() - started


def open_slow_clients(port: int, count: int) -> list[socket.socket]:
    """Half send their headers a byte at a time, half a large body a byte at a time."""
    sockets = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        if i % 2:
            sock.sendall(
                b"POST /tools/remove-background/ HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000000\r\n\r\n"
            )
        else:
            sock.sendall(b"G")
        sockets.append(sock)
    return sockets


def trickle(sockets: list[socket.socket], stop: threading.Event) -> None:
    while not stop.wait(1.0):
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.send(b"E")


def test_pages_answer_while_slow_clients_trickle_in(proxied_site):
    base, _static = proxied_site
    port = int(base.rsplit(":", 1)[1])
    sockets = open_slow_clients(port, SLOW_CLIENTS)
    stop = threading.Event()
    thread = threading.Thread(target=trickle, args=(sockets, stop), daemon=True)
    thread.start()
    try:
        time.sleep(1.5)  # let them occupy whatever they can
        for path in ("/", "/blog/", "/tools/remove-background/", "/healthz") * 3:
            status, seconds = timed_get(base + path)
            assert status == 200
            assert seconds < GENEROUS_SECONDS, (path, seconds)
    finally:
        stop.set()
        thread.join()
        for sock in sockets:
            sock.close()


def test_static_files_come_from_nginx_and_forwarded_headers_reach_the_site(proxied_site):
    base, static = proxied_site
    css = next(static.rglob("site*.css")).relative_to(static)
    with urllib.request.urlopen(f"{base}/static/{css}", timeout=10) as response:
        assert response.status == 200
        assert "immutable" in response.headers["Cache-Control"]
    # The site sees nginx's X-Forwarded-For: metrics through the proxy need the token.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/metrics", timeout=10)
    assert refused.value.code == 403


def body_answer(port: int, path: str, megabytes: int) -> int:
    """The status nginx gives a POST announcing a body of ``megabytes`` (headers only sent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {megabytes * 1024 * 1024}\r\n\r\n".encode()
        )
        return int(sock.recv(64).split()[1])


def test_only_the_upload_form_takes_a_batch_sized_body(proxied_site):
    base, _static = proxied_site
    port = int(base.rsplit(":", 1)[1])
    # Over one file's limit (25 MB + 2): nginx refuses at once, except on the upload form, where
    # several images may add up to PIXELFORGE_BATCH_MAX_BYTES (it waits for the body instead).
    assert body_answer(port, "/api/v1/remove-background", 60) == 413
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(
            b"POST /tools/remove-background/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 62914560\r\n\r\n"
        )
        with pytest.raises(TimeoutError):
            sock.recv(64)  # no 413: nginx reads the body
