"""Load test: the production gunicorn configuration on 127.0.0.1 under concurrent uploads.

    .venv/bin/python -m benchmarks.load                      # 4, 8 and 16 clients, 60 s each
    .venv/bin/python -m benchmarks.load --duration 20 --clients 4 8

It migrates a throw-away SQLite database (or --database-url), collects static files into a
temp folder, starts `gunicorn -c gunicorn.conf.py pixelforge.wsgi` with production settings
(debug off) on a free port of 127.0.0.1, and for each concurrency level runs that many client
threads, each uploading real photos (tests/fixtures/*.jpg) through the web form, CSRF token
and all, until the level's time is up. It reports throughput, p50/p95/p99 latency, errors,
each worker's peak RSS (VmHWM), the workers' RSS in the first and last third of the level, and
the throughput the single-image cost predicts (cores / CPU seconds per image, measured first
with one client: one request already uses more than one core). Rate limits are turned off for
the server it starts. It stops by itself: every
level has a deadline, every request a timeout, and gunicorn is terminated at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address this script ever talks to
FORM = "/tools/remove-background/"
PHOTOS = sorted((REPO / "tests" / "fixtures").glob("*.jpg"))
REQUEST_TIMEOUT = 180.0


@dataclass
class Level:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_samples: list[tuple[float, int]] = field(default_factory=list)  # (time, total KiB)
    peak_kib: dict[int, int] = field(default_factory=dict)  # worker pid -> VmHWM

    @property
    def done(self) -> int:
        return len(self.latencies)

    def throughput(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def rss_thirds(self) -> tuple[float, float]:
        """Mean total worker RSS (MB) over the first and the last third of the level."""
        if len(self.rss_samples) < 3:
            return float("nan"), float("nan")
        start, end = self.rss_samples[0][0], self.rss_samples[-1][0]
        third = (end - start) / 3
        first = [kib for t, kib in self.rss_samples if t <= start + third]
        last = [kib for t, kib in self.rss_samples if t >= end - third]
        return statistics.mean(first) / 1024, statistics.mean(last) / 1024


# --- The server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(work: Path, args: argparse.Namespace, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain http on the loopback
        DJANGO_HSTS_SECONDS="0",
        DJANGO_MEDIA_ROOT=str(work / "media"),
        DJANGO_STATIC_ROOT=str(work / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=args.database_url or f"sqlite:///{work / 'db.sqlite3'}",
        PIXELFORGE_UPLOAD_RATE_LIMIT="0",
        PIXELFORGE_API_RATE_LIMIT="0",
        GUNICORN_BIND=f"{HOST}:{port}",
        GUNICORN_LOG_LEVEL="warning",
    )
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    if args.onnx_threads is not None:
        env["PIXELFORGE_ONNX_THREADS"] = str(args.onnx_threads)
    return env


def prepare(env: dict[str, str]) -> None:
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )


def start_gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(log, "wb") as out:
        return subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py", "pixelforge.wsgi"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(port: int, server: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up; see its log")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/healthz")
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer /healthz within {seconds:.0f} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- The clients ------------------------------------------------------------------------


class Client:
    """One visitor: fetches the form once (CSRF cookie and token), then uploads photos."""

    def __init__(self, port: int, index: int) -> None:
        self.port = port
        self.index = index
        self.cookie, self.token = self._csrf()

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)

    def _csrf(self) -> tuple[str, str]:
        connection = self._connection()
        connection.request("GET", FORM)
        response = connection.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        connection.close()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return cookie, token

    def upload(self, photo: Path) -> tuple[int, float]:
        boundary = uuid.uuid4().hex
        body = b"".join(
            [
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
                f"\r\n\r\n{self.token}\r\n".encode(),
                f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
                f'filename="{photo.name}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode(),
                photo.read_bytes(),
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": self.cookie,
            "Origin": f"http://{HOST}:{self.port}",
        }
        started = time.perf_counter()
        connection = self._connection()
        try:
            connection.request("POST", FORM, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, time.perf_counter() - started
        finally:
            connection.close()


def run_level(port: int, master: int, clients: int, seconds: float, max_requests: int) -> Level:
    level = Level(clients, seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    issued = iter(range(max_requests))

    def visitor(index: int) -> None:
        try:
            client = Client(port, index)
        except Exception as exc:
            with lock:
                level.errors.append(f"csrf: {type(exc).__name__}: {exc}")
            return
        n = index
        while time.monotonic() < deadline:
            with lock:
                if next(issued, None) is None:
                    return
            photo = PHOTOS[n % len(PHOTOS)]
            n += 1
            try:
                status, seconds_taken = client.upload(photo)
            except Exception as exc:
                with lock:
                    level.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                if status == 302:
                    level.latencies.append(seconds_taken)
                else:
                    level.errors.append(f"HTTP {status}")

    threads = [threading.Thread(target=visitor, args=(i,), daemon=True) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        pids = worker_pids(master)
        level.rss_samples.append((time.monotonic(), sum(status_kib(p, "VmRSS") for p in pids)))
        for pid in pids:
            level.peak_kib[pid] = max(level.peak_kib.get(pid, 0), status_kib(pid, "VmHWM"))
        if time.monotonic() > deadline + REQUEST_TIMEOUT:
            level.errors.append("clients still busy after the deadline; abandoned")
            break
        time.sleep(0.5)
    level.seconds = time.monotonic() - started  # includes the requests in flight at the end
    return level


# --- Report -----------------------------------------------------------------------------


def report(single: Level, single_cpu: float, levels: list[Level], workers: int, cores: int) -> str:
    """``single_cpu``: the workers' CPU seconds spent on the one-client level.

    One request already keeps several cores busy (onnxruntime and numba use threads), so the
    prediction divides the cores by the CPU time an image costs, not by its wall time.
    """
    per_image = statistics.median(single.latencies) if single.latencies else float("nan")
    cpu_per_image = single_cpu / single.done if single.done else float("nan")
    predicted = min(workers, cores) / cpu_per_image
    lines = [
        f"single image (1 client, {single.done} requests): median {per_image:.2f} s wall, "
        f"{cpu_per_image:.2f} CPU-s (about {cpu_per_image / per_image:.1f} cores busy) "
        f"-> predicted {predicted:.2f} images/s on {min(workers, cores)} cores",
        "",
        "| clients | done | errors | images/s | vs predicted | p50 s | p95 s | p99 s "
        "| peak RSS per worker (MB) | workers RSS first → last third (MB) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for level in levels:
        first, last = level.rss_thirds()
        peaks = ", ".join(f"{kib / 1024:.0f}" for _, kib in sorted(level.peak_kib.items()))
        lines.append(
            f"| {level.clients} | {level.done} | {len(level.errors)} | "
            f"{level.throughput():.2f} | {level.throughput() / predicted:.0%} | "
            f"{level.percentile(50):.2f} | {level.percentile(95):.2f} | "
            f"{level.percentile(99):.2f} | {peaks} | {first:.0f} → {last:.0f} |"
        )
    errors = sorted({e for level in levels for e in level.errors})
    if errors:
        lines += ["", "errors: " + "; ".join(errors[:10])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--single", type=int, default=8, help="requests with one client first")
    parser.add_argument("--max-requests", type=int, default=5000, help="cap per level")
    parser.add_argument("--workers", type=int, help="GUNICORN_WORKERS (default: one per core)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (default 1)")
    parser.add_argument("--onnx-threads", type=int, help="PIXELFORGE_ONNX_THREADS")
    parser.add_argument("--database-url", help="default: a temp SQLite file")
    args = parser.parse_args(argv)
    if not PHOTOS:
        parser.error("no photos in tests/fixtures")
    cores = os.cpu_count() or 1
    workers = args.workers or cores
    with tempfile.TemporaryDirectory(prefix="pixelforge-load-") as tmp:
        work = Path(tmp)
        port = free_port()
        env = server_env(work, args, port)
        print(f"preparing database and static files in {work} ...", flush=True)
        prepare(env)
        server = start_gunicorn(env, work / "gunicorn.log")
        try:
            wait_ready(port, server)
            print(f"gunicorn on {HOST}:{port}: {workers} workers, {cores} cores", flush=True)
            run_level(port, server.pid, 1, 30, 2)  # warm every path once
            cpu_before = cpu_seconds(worker_pids(server.pid))
            single = run_level(port, server.pid, 1, args.duration, args.single)
            single_cpu = cpu_seconds(worker_pids(server.pid)) - cpu_before
            levels = []
            for clients in args.clients:
                print(f"{clients} clients for {args.duration:.0f} s ...", flush=True)
                levels.append(
                    run_level(port, server.pid, clients, args.duration, args.max_requests)
                )
        finally:
            stop(server)
            log_tail = (work / "gunicorn.log").read_text(errors="replace")[-2000:]
        print()
        print(report(single, single_cpu, levels, workers, cores))
        if any(level.errors for level in levels):
            print("\ngunicorn log (tail):\n" + log_tail)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
