"""Start the site's real processes (worker, gunicorn, nginx) against the test database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from tests.conftest import REPO


def database_url() -> str:
    """The test database, as a DATABASE_URL another process can open."""
    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = quote(database["USER"] or "")
    password = quote(database["PASSWORD"] or "")
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or "5432"
    return f"postgres://{user}:{password}@{host}:{port}/{database['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


def site_env(media: Path, cache: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_MEDIA_ROOT": str(media),
        "DJANGO_CACHE_URL": f"file://{cache}",
        "PIXELFORGE_UPLOAD_RATE_LIMIT": "",
        "PIXELFORGE_RENDER_RATE_LIMIT": "",
        "PIXELFORGE_API_RATE_LIMIT": "",
        "PYTHONUNBUFFERED": "1",
    }
    env.setdefault("NUMBA_CACHE_DIR", str(REPO / ".numba-cache"))
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "wb")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(
        args, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return start([sys.executable, "manage.py", "worker", "--interval", "0.2"], env, log)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def proxied_site(
    tmp_path: Path, *, workers: int = 1, threads: int = 2, nginx_args: tuple[str, ...] = (), **extra
) -> Iterator[str]:
    """gunicorn behind a real nginx from the project's template (manage.py nginx_config
    --standalone), on loopback ports; yields nginx's base URL. ``extra``: environment values."""
    media, cache, static, run = (tmp_path / name for name in ("media", "cache", "static", "run"))
    for folder in (media, cache, static, run):
        folder.mkdir(exist_ok=True)
    env = site_env(media, cache, DJANGO_STATIC_ROOT=str(static), **extra)
    web_port, proxy_port = free_port(), free_port()
    gunicorn = start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "pixelforge.wsgi",
            "--bind",
            f"127.0.0.1:{web_port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        {**env, "GUNICORN_ACCESS_LOG": ""},
        run / "gunicorn.log",
    )
    config = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "nginx_config",
            "--listen",
            f"127.0.0.1:{proxy_port}",
            "--upstream",
            f"127.0.0.1:{web_port}",
            "--standalone",
            str(run),
            *nginx_args,
        ],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    (run / "nginx.conf").write_text(config)
    nginx = start(["nginx", "-c", str(run / "nginx.conf"), "-p", str(run)], env, run / "nginx.out")
    try:
        wait_for_port(web_port)
        wait_for_port(proxy_port)
        yield f"http://127.0.0.1:{proxy_port}"
    finally:
        stop(nginx)
        stop(gunicorn)
