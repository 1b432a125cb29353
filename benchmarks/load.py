"""Load test of the deployed shape: nginx -> gunicorn (pages, queueing) -> worker processes.

    .venv/bin/python -m benchmarks.load                     # the issue's run: 16 uploaders, 60 s
    .venv/bin/python -m benchmarks.load --duration 30 --slow-clients 0

It migrates a throw-away SQLite database (or --database-url), collects static files, and starts
on loopback ports, with production settings (debug off): gunicorn from gunicorn.conf.py, as
many `manage.py worker` processes as cores (--workers), and nginx with the configuration of
`manage.py nginx_config`. Everything goes through nginx. Then, in order:

1. one image at a time (--single photos): CPU seconds per image, from the workers' CPU time;
   predicted throughput = cores / CPU-s per image;
2. --uploaders clients upload real photos (tests/fixtures/*.jpg) through the web form, CSRF
   token and all, and poll the status URL until their job is done, for --duration seconds;
   meanwhile --viewers clients read the home page, the blog and a result page, and
   --slow-clients sockets send their headers or body a byte per second. It reports errors,
   throughput, job latency and page-view p50/p95/p99 against the targets;
3. one 40 MP upload on fresh workers: the worker's peak RSS (VmHWM) and the job's time;
4. a worker killed (SIGKILL) mid-job: how long until the job is marked failed (a replacement
   worker starts at once, as a supervisor would restart it);
5. the sweep, then a check that no job folder is left without a row.

Peak RSS of each gunicorn process is read at the end. Every wait has a deadline, and every
process it started is stopped at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import _site as site
from benchmarks._site import HOST, Site, load_average
from benchmarks._visitor import FORM, PHOTOS, Visitor, percentile


@dataclass
class Tally:
    job_seconds: list[float] = field(default_factory=list)
    page_seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    result_pages: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def visitor_address(group: int, index: int) -> str:
    """A loopback address of its own for each simulated visitor (127.0.<group>.<index + 1>):
    nginx's per-address connection limit (docs/deployment.md) sees them as the different
    visitors they stand for, not as one host opening 69 connections."""
    return f"127.0.{group}.{index % 250 + 1}"


def uploader(port: int, stop_at: float, tally: Tally, index: int) -> None:
    visitor = Visitor(port, visitor_address(1, index))
    n = index
    while time.monotonic() < stop_at:
        photo = PHOTOS[n % len(PHOTOS)]
        n += 1
        started = time.monotonic()
        try:
            path = visitor.upload(photo.name, photo.read_bytes())
            document = visitor.wait(path)
        except Exception as exc:  # counted, reported, and the client goes on
            tally.error(f"{type(exc).__name__}: {exc}")
            continue
        if document["state"] != "done":
            tally.error(f"job failed: {document.get('error')}")
            continue
        if time.monotonic() <= stop_at:
            with tally.lock:
                tally.job_seconds.append(time.monotonic() - started)
                tally.result_pages.append(path)


def viewer(port: int, stop_at: float, tally: Tally, result_page: str, index: int) -> None:
    visitor = Visitor(port, visitor_address(3, index))
    paths = ["/", "/blog/", result_page]
    n = 0
    while time.monotonic() < stop_at:
        path = paths[n % len(paths)]
        n += 1
        started = time.monotonic()
        try:
            visitor.get(path)
        except Exception as exc:
            tally.error(f"page {path}: {exc}")
            continue
        with tally.lock:
            tally.page_seconds.append(time.monotonic() - started)
        time.sleep(0.2)


def slow_clients(port: int, count: int, stop: threading.Event) -> None:
    """Half send headers, half a 1 MB body, a byte per second each; reconnect when cut off."""

    def connect(i: int) -> socket.socket | None:
        try:
            sock = socket.create_connection(
                (HOST, port), timeout=5, source_address=(visitor_address(2, i), 0)
            )
            if i % 2:
                sock.sendall(
                    f"POST {FORM} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: multipart/form-data;"
                    " boundary=x\r\nContent-Length: 1000000\r\n\r\n".encode()
                )
            else:
                sock.sendall(b"G")
            return sock
        except OSError:
            return None

    sockets = [connect(i) for i in range(count)]
    while not stop.wait(1.0):
        for i, sock in enumerate(sockets):
            try:
                if sock is None:
                    raise OSError
                sock.send(b"x")
            except OSError:
                if sock is not None:
                    sock.close()
                sockets[i] = connect(i)
    for sock in sockets:
        if sock is not None:
            sock.close()


def big_photo(megapixels: float = 40.0) -> bytes:
    from PIL import Image

    with Image.open(PHOTOS[0]) as image:
        scale = (megapixels * 1e6 / (image.width * image.height)) ** 0.5
        size = (int(image.width * scale), int(image.height * scale))
        big = image.convert("RGB").resize(size, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploaders", type=int, default=16)
    parser.add_argument("--viewers", type=int, default=3)
    parser.add_argument("--slow-clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--single", type=int, default=6, help="one-at-a-time photos first")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--onnx-threads", type=int, help="PIXELFORGE_ONNX_THREADS")
    parser.add_argument("--database-url", help="default: a temp SQLite file")
    parser.add_argument("--skip-big", action="store_true", help="no 40 MP job, no kill test")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    print(f"load average at start: {load_average()} ({cores} cores)", flush=True)

    with tempfile.TemporaryDirectory(prefix="pixelforge-load-") as folder:
        work = Path(folder)
        started = Site(args, work)
        try:
            return run(args, started, cores)
        finally:
            started.close()


def run(args: argparse.Namespace, running: Site, cores: int) -> int:
    port = running.port
    visitor = Visitor(port)
    # 1. One image at a time: the cost of an image in worker CPU seconds.
    visitor.wait(visitor.upload(PHOTOS[0].name, PHOTOS[0].read_bytes()))  # warm the sessions
    cpu_before = site.cpu_seconds(running.worker_pids())
    single_wall = []
    result_page = ""
    for i in range(args.single):
        photo = PHOTOS[i % len(PHOTOS)]
        t0 = time.monotonic()
        result_page = visitor.upload(photo.name, photo.read_bytes())
        visitor.wait(result_page)
        single_wall.append(time.monotonic() - t0)
    cpu_per_image = (site.cpu_seconds(running.worker_pids()) - cpu_before) / args.single
    predicted = cores / cpu_per_image
    print(
        f"single image: median {statistics.median(single_wall):.2f} s wall, "
        f"{cpu_per_image:.2f} worker CPU-s -> predicted {predicted:.2f} images/s on {cores} cores",
        flush=True,
    )

    # 2. Uploaders, page viewers and slow clients together.
    tally = Tally()
    stop_at = time.monotonic() + args.duration
    stop_slow = threading.Event()
    threads = [
        threading.Thread(target=slow_clients, args=(port, args.slow_clients, stop_slow))
    ] * bool(args.slow_clients)
    threads += [
        threading.Thread(target=uploader, args=(port, stop_at, tally, i))
        for i in range(args.uploaders)
    ]
    threads += [
        threading.Thread(target=viewer, args=(port, stop_at, tally, result_page, i))
        for i in range(args.viewers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads[1:] if args.slow_clients else threads:
        thread.join()
    stop_slow.set()
    for thread in threads:
        thread.join()
    done = len(tally.job_seconds)
    throughput = done / args.duration
    p95, p99 = percentile(tally.page_seconds, 95), percentile(tally.page_seconds, 99)
    print(
        f"\n{args.uploaders} uploaders, {args.viewers} page viewers, {args.slow_clients} slow "
        f"clients, {args.duration:.0f} s through nginx (load average now {load_average()}):\n"
        f"  jobs done {done}, errors {len(tally.errors)}, {throughput:.2f} images/s "
        f"= {throughput / predicted:.0%} of predicted (target >= 90%)\n"
        f"  job latency p50 {percentile(tally.job_seconds, 50):.1f} s, "
        f"p95 {percentile(tally.job_seconds, 95):.1f} s\n"
        f"  page views {len(tally.page_seconds)}: "
        f"p50 {percentile(tally.page_seconds, 50) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms (target < 150), "
        f"p99 {p99 * 1000:.0f} ms (target < 500)",
        flush=True,
    )
    for text in sorted(set(tally.errors))[:10]:
        print(f"  error: {text}")
    web_peaks = [site.peak_mb(pid) for pid in site.children(running.web.pid)]
    print(
        f"  gunicorn workers peak RSS: {', '.join(f'{mb:.0f}' for mb in web_peaks)} MB "
        "(target < 150 each)",
        flush=True,
    )
    worker_peaks = [site.peak_mb(pid) for pid in running.worker_pids()]
    print(
        f"  job workers peak RSS during the load: {', '.join(f'{mb:.0f}' for mb in worker_peaks)}"
        " MB",
        flush=True,
    )

    if not args.skip_big:
        big(running, visitor)
        web_peaks = [site.peak_mb(pid) for pid in site.children(running.web.pid)]
        print(
            "gunicorn workers peak RSS after the 40 MP uploads (the form decodes to validate): "
            f"{', '.join(f'{mb:.0f}' for mb in web_peaks)} MB",
            flush=True,
        )
    orphans = site.manage(running.env, "shell", "-v", "0", "-c", ORPHANS).strip()
    print(f"\nafter the sweep: {orphans}", flush=True)
    return 0


ORPHANS = """
from tools.services.sweep import sweep
from tools.services.storage import job_codes_on_disk
from tools.models import Job
sweep()
known = {str(c) for c in Job.objects.values_list("code", flat=True)}
folders = job_codes_on_disk()
orphans = [f for f in folders if f not in known]
print(f"{len(orphans)} folder(s) without a row; {len(folders)} job folders, {len(known)} rows")
"""


def big(running: Site, visitor: Visitor) -> None:
    data = big_photo()
    # 3. A 40 MP job on fresh workers: their peak RSS is this job's (plus the model's).
    running.restart_workers()
    t0 = time.monotonic()
    path = visitor.upload("forty-megapixels.jpg", data)
    document = visitor.wait(path, deadline=600)
    wall = time.monotonic() - t0
    peaks = [site.peak_mb(pid) for pid in running.worker_pids()]
    print(
        f"\n40 MP job ({len(data) / 1e6:.1f} MB JPEG): {document['state']} in {wall:.1f} s wall, "
        f"{document.get('processing_ms', 0) / 1000:.1f} s processing; workers' peak RSS "
        f"{', '.join(f'{mb:.0f}' for mb in peaks)} MB",
        flush=True,
    )
    # 4. Kill the workers mid-job; a replacement (as a supervisor would start) takes over.
    path = visitor.upload("killed.jpg", data)
    visitor.wait(path, states=("processing",), deadline=120)
    time.sleep(1.0)
    for worker in running.workers:
        with suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
    killed = time.monotonic()
    running.restart_workers(signal.SIGKILL)
    document = visitor.wait(path, deadline=120)
    print(
        f"worker killed mid-job: '{document['state']}' after {time.monotonic() - killed:.0f} s "
        f"(target: within 60 s): {document.get('error')}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
