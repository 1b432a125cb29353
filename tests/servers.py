"""Start the site's real processes (worker, gunicorn, nginx) against the test database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
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
