"""The production processes for benchmarks/load.py: gunicorn, workers and nginx on loopback."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address the benchmark ever talks to


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


ACCEL_REDIRECT_URL = "/internal-media/"  # where nginx (start_nginx) sends stored files from


def site_env(
    work: Path, *, web_port: int, database_url: str | None, workers: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain http on the loopback
        DJANGO_HSTS_SECONDS="0",
        DJANGO_MEDIA_ROOT=str(work / "media"),
        DJANGO_STATIC_ROOT=str(work / "static"),
        DJANGO_CACHE_URL=f"file://{work / 'cache'}",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url or f"sqlite:///{work / 'db.sqlite3'}",
        PIXELFORGE_UPLOAD_RATE_LIMIT="0",
        PIXELFORGE_API_RATE_LIMIT="0",
        PIXELFORGE_RENDER_RATE_LIMIT="0",
        PIXELFORGE_TRUSTED_PROXY_COUNT="1",  # behind nginx, as deployed
        PIXELFORGE_MAX_QUEUE="1000",
        GUNICORN_BIND=f"{HOST}:{web_port}",
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_ACCESS_LOG="",
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("NUMBA_CACHE_DIR", str(REPO / ".numba-cache"))
    return env


def python(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """The output of ``python *args`` run in the repository with ``env``."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    ).stdout


def python_json(env: dict[str, str], *args: str, timeout: float = 300) -> dict:
    """The JSON document on the last line ``python *args`` prints."""
    return json.loads(python(env, *args, timeout=timeout).strip().splitlines()[-1])


def manage(env: dict[str, str], *args: str) -> str:
    return python(env, "manage.py", *args)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def start_gunicorn(env: dict[str, str], work: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return start(
        [str(gunicorn), "-c", "gunicorn.conf.py", "pixelforge.wsgi"], env, work / "web.log"
    )


def start_worker(env: dict[str, str], work: Path) -> subprocess.Popen:
    return start([sys.executable, "manage.py", "worker"], env, work / "worker.log")


def start_nginx(env: dict[str, str], work: Path, *, port: int, web_port: int) -> subprocess.Popen:
    run = work / "nginx"
    run.mkdir(exist_ok=True)
    config = manage(
        env,
        "nginx_config",
        "--listen",
        f"{HOST}:{port}",
        "--upstream",
        f"{HOST}:{web_port}",
        "--standalone",
        str(run),
    )
    (run / "nginx.conf").write_text(config)
    return start(["nginx", "-c", str(run / "nginx.conf"), "-p", str(run)], env, run / "out.log")


def wait_for_port(port: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {HOST}:{port}")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def children(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            pids.append(int(entry.name))
    return pids


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes (threads included), from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def peak_mb(pid: int) -> float:
    """VmHWM: the process's peak resident memory so far."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Site:
    """Gunicorn, --workers job workers and nginx in front, on loopback ports, with ``extra_env``
    over site_env's settings."""

    def __init__(
        self, args: argparse.Namespace, work: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        self.work = work
        self.web_port, self.port = free_port(), free_port()
        self.env = site_env(
            work, web_port=self.web_port, database_url=args.database_url, workers=args.workers
        )
        # nginx sends the stored files (X-Accel-Redirect), as deployed; set it empty to compare.
        self.env.setdefault("PIXELFORGE_ACCEL_REDIRECT_URL", ACCEL_REDIRECT_URL)
        self.env.update(extra_env or {})
        if args.onnx_threads is not None:
            self.env["PIXELFORGE_ONNX_THREADS"] = str(args.onnx_threads)
        self.count = args.workers
        manage(self.env, "migrate", "--noinput")
        manage(self.env, "collectstatic", "--noinput")
        self.web = start_gunicorn(self.env, work)
        self.workers = [start_worker(self.env, work) for _ in range(self.count)]
        self.nginx = start_nginx(self.env, work, port=self.port, web_port=self.web_port)
        wait_for_port(self.web_port)
        wait_for_port(self.port)

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.poll() is None]

    def restart_workers(self, sig: int = signal.SIGTERM) -> None:
        for worker in self.workers:
            stop(worker, sig)
        self.workers = [start_worker(self.env, self.work) for _ in range(self.count)]

    def close(self) -> None:
        for process in (self.nginx, self.web, *self.workers):
            stop(process)
