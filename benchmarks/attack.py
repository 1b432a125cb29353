"""Issue 20's targets, measured on the production set-up of docs/deployment.md under attack.

    .venv/bin/python -m benchmarks.attack --duration 25    # docs/benchmarks.md, 2.5 minutes
    .venv/bin/python -m benchmarks.attack --duration 15 --slow 300

It starts what benchmarks/load.py starts (a throw-away SQLite database, gunicorn from
gunicorn.conf.py, ONE `manage.py worker`, nginx from `manage.py nginx_config`), all on
loopback, with the upload and API rate limits at 10/hour, then runs four bounded scenarios:

1. pages: home, tool page and a result page read alone (a), then while 16 uploaders post
   photos and 16 clients (a process of their own) flood GET view/result/ of a finished job (b)
   (target: p95 under 150 ms);
2. limits: 40 concurrent API calls and 40 concurrent form uploads from one fresh address each
   (target: 10 pass, the limit);
3. an over-limit client re-posts a 230 KB upload (form and API) while visitors upload and read
   pages (target: 0 answers of 500 or 502 to visitors);
4. --slow connections from 127.0.0.2 trickle a body (10 bytes every 5 s, reconnecting when
   cut off) while a visitor on 127.0.0.1 reads pages (target: every visitor request answered).

Each client has its own loopback address (127.0.1.x, 127.0.2.x ...): the limits are per address.
It prints a table with the load average next to each row, and stops everything it started.
GUNICORN_* values in the environment (but the bind) are passed on, to try a setting.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import _site
from benchmarks._site import load_average
from benchmarks._visitor import FORM, PHOTOS, Visitor, percentile

LIMIT = 10  # PIXELFORGE_UPLOAD_RATE_LIMIT and PIXELFORGE_API_RATE_LIMIT, per hour
API = "/api/v1/remove-background"
BIG = b"x" * 230_000  # past what gunicorn drains by itself (tests/test_proxy_limits.py)
ROWS: list[tuple[str, str, str, str]] = []  # scenario, figure, target, load average


def row(scenario: str, figure: str, target: str) -> None:
    ROWS.append((scenario, figure, target, load_average()))
    print(f"{scenario}: {figure} (target {target}; load {load_average()})", flush=True)


def raw(port: int, source: str, method: str, path: str, body=None, headers=None) -> int:
    visitor = Visitor.__new__(Visitor)
    visitor.port, visitor.source = port, (source, 0)
    try:
        return visitor._request(method, path, body, headers)[0]
    except OSError:
        return 0


def upload_body(data: bytes, field: str = "image_file") -> tuple[bytes, dict[str, str]]:
    body = (
        (
            f'--b\r\nContent-Disposition: form-data; name="{field}"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + b"\r\n--b--\r\n"
    )
    return body, {"Content-Type": "multipart/form-data; boundary=b", "Accept": "application/json"}


def reader(port, source, paths, stop_at, times, statuses, pause=0.1) -> None:
    n = 0
    while time.monotonic() < stop_at:
        path = paths[n % len(paths)]
        n += 1
        started = time.monotonic()
        status = raw(port, source, "GET", path)
        times.append(time.monotonic() - started)
        statuses[status] += 1
        time.sleep(pause)


def uploader(port, source, stop_at, statuses) -> None:
    """A browser uploading photos one after another through the form, waiting for each."""
    try:
        visitor = Visitor(port, source)
    except Exception:
        statuses["no form"] += 1
        return
    n = 0
    while time.monotonic() < stop_at:
        photo = PHOTOS[n % len(PHOTOS)]
        n += 1
        try:
            path = visitor.upload(photo.name, photo.read_bytes())
            statuses[302] += 1
            visitor.wait(path, deadline=max(1.0, stop_at - time.monotonic()))
        except RuntimeError as exc:  # "upload: HTTP 503" and the like
            statuses[str(exc).rsplit(" ", 1)[-1]] += 1
            time.sleep(0.5)
        except Exception:
            continue


def run_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def flood(port: int, path: str, stop_at: float, out) -> None:
    """16 clients reading ``path`` back to back, in their own process (its own GIL)."""
    seen, times = Counter(), []
    run_all(
        [
            threading.Thread(
                target=reader, args=(port, f"127.0.2.{i + 1}", [path], stop_at, times, seen, 0)
            )
            for i in range(16)
        ]
    )
    out.put((dict(seen), percentile(times, 50)))


def gunicorn_cpu(master: int) -> float:
    """CPU seconds of gunicorn: the master, its live workers, and the workers it has reaped."""
    fields = Path(f"/proc/{master}/stat").read_text().rsplit(")", 1)[1].split()
    reaped = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return reaped + _site.cpu_seconds([master, *_site.children(master)])


def pages_under_flood(running: Site, result: str, seconds: float) -> None:
    port = running.port
    paths = ["/", FORM, result]
    times: list[float] = []
    pages = Counter()
    alone_until = time.monotonic() + min(10.0, seconds)
    run_all(
        [
            threading.Thread(
                target=reader, args=(port, "127.0.0.1", paths, alone_until, times, pages)
            )
            for _ in range(3)
        ]
    )
    row(
        "1a. pages, nothing else running",
        f"{len(times)} page views p50 {percentile(times, 50) * 1000:.0f} ms, p95 "
        f"{percentile(times, 95) * 1000:.0f} ms; {dict(pages)}",
        "p95 < 150 ms",
    )
    stop_at = time.monotonic() + seconds
    times, uploads, out = [], Counter(), multiprocessing.Queue()
    flooder = multiprocessing.Process(
        target=flood, args=(port, result + "view/result/", stop_at, out)
    )
    flooder.start()
    before = set(_site.children(running.web.pid))
    cpu, started = gunicorn_cpu(running.web.pid), time.monotonic()
    threads = [
        threading.Thread(target=uploader, args=(port, f"127.0.1.{i + 1}", stop_at, uploads))
        for i in range(16)
    ]
    threads += [
        threading.Thread(target=reader, args=(port, "127.0.0.1", paths, stop_at, times, pages))
        for _ in range(3)
    ]
    run_all(threads)
    flooded, flood_p50 = out.get(timeout=60)
    flooder.join(timeout=10)
    busy = (gunicorn_cpu(running.web.pid) - cpu) / (time.monotonic() - started)
    recycled = len(before - set(_site.children(running.web.pid)))
    row(
        "1b. pages, 16 uploaders + 16 view/result flooders",
        f"{len(times)} page views p50 {percentile(times, 50) * 1000:.0f} ms, p95 "
        f"{percentile(times, 95) * 1000:.0f} ms; flood {flooded}, p50 {flood_p50 * 1000:.0f} ms; "
        f"uploads {dict(uploads)}; gunicorn used {busy:.2f} cores, "
        f"{recycled} of its workers replaced (max_requests)",
        "p95 < 150 ms",
    )


def limits(port: int) -> None:
    def burst(source: str, path: str, body: bytes, headers: dict) -> Counter:
        barrier = threading.Barrier(40)

        def call(_: int) -> int:
            barrier.wait()
            return raw(port, source, "POST", path, body, headers)

        with ThreadPoolExecutor(40) as pool:
            return Counter(pool.map(call, range(40)))

    api = burst("127.0.3.1", API, *upload_body(b"not an image"))
    visitor = Visitor(port, "127.0.3.2")
    photo = PHOTOS[0].read_bytes()
    form, headers = upload_body(photo, "image")
    form = (
        b'--b\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        + visitor.token.encode()
        + b"\r\n"
        + form
    )
    headers |= {"Cookie": visitor.cookie, "Origin": f"http://127.0.0.1:{port}"}
    uploads = burst("127.0.3.2", FORM, form, headers)
    for name, seen in (("API", api), ("upload form", uploads)):
        passed = sum(n for status, n in seen.items() if status != 429)
        row(f"2. {name} limit 10/hour, 40 at once", f"{passed} passed; {dict(seen)}", "10 pass")


def over_limit_client(port: int, seconds: float) -> None:
    stop_at = time.monotonic() + seconds
    attacker, visitors = Counter(), Counter()
    upload, headers = upload_body(BIG)

    def attack(path: str, body: bytes, kind: dict) -> None:
        while time.monotonic() < stop_at:
            attacker[raw(port, "127.0.4.1", "POST", path, body, kind)] += 1

    threads = [
        threading.Thread(target=attack, args=(FORM, upload, headers)),
        threading.Thread(target=attack, args=(API, upload, headers)),
        threading.Thread(target=attack, args=(API, BIG, {"Content-Type": "image/jpeg"})),
    ]
    threads += [
        threading.Thread(target=uploader, args=(port, f"127.0.5.{i + 1}", stop_at, visitors))
        for i in range(8)
    ]
    threads += [
        threading.Thread(
            target=reader, args=(port, "127.0.0.1", ["/", FORM], stop_at, [], visitors)
        )
        for _ in range(2)
    ]
    run_all(threads)
    bad = visitors[500] + visitors[502] + visitors["500"] + visitors["502"]
    row(
        "3. over-limit client re-posting 230 KB",
        f"visitors: {bad} of {sum(visitors.values())} got 500/502 {dict(visitors)}; "
        f"attacker {dict(attacker)}",
        "0 of 500/502",
    )


def slow_connections(port: int, count: int, seconds: float) -> None:
    head = (
        f"POST {FORM} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
        "boundary=x\r\nContent-Length: 1000000\r\n\r\n"
    ).encode()

    def connect() -> socket.socket | None:
        sock = socket.socket()
        try:
            sock.settimeout(2)
            sock.bind(("127.0.0.2", 0))
            sock.connect(("127.0.0.1", port))
            sock.sendall(head + b"0123456789")
            sock.setblocking(False)
            return sock
        except OSError:
            sock.close()
            return None

    stop_at = time.monotonic() + seconds
    sockets = [connect() for _ in range(count)]
    opened = [count]
    held = [0]

    def trickle() -> None:
        last = 0.0
        while time.monotonic() < stop_at:
            time.sleep(0.5)
            send = time.monotonic() - last >= 5
            last = time.monotonic() if send else last
            alive = 0
            for i, sock in enumerate(sockets):
                try:
                    if sock is None:
                        raise OSError
                    with contextlib.suppress(BlockingIOError):
                        if sock.recv(64, socket.MSG_PEEK) is not None:
                            raise OSError  # answered (429) or closed: reconnect
                    if send:
                        sock.send(b"0123456789")
                    alive += 1
                except OSError:
                    if sock is not None:
                        sock.close()
                    sockets[i] = connect()
                    opened[0] += 1
            held[0] = max(held[0], alive)

    times: list[float] = []
    statuses = Counter()
    threads = [threading.Thread(target=trickle)]
    threads += [
        threading.Thread(
            target=reader,
            args=(port, "127.0.0.1", ["/healthz", "/", FORM], stop_at, times, statuses, 0.5),
        )
    ]
    run_all(threads)
    for sock in sockets:
        if sock is not None:
            sock.close()
    ok = statuses[200]
    row(
        f"4. {count} slow connections from 127.0.0.2",
        f"visitor on 127.0.0.1: {ok} of {sum(statuses.values())} answered 200, p95 "
        f"{percentile(times, 95) * 1000:.0f} ms, max {max(times, default=0) * 1000:.0f} ms; "
        f"attacker held up to {held[0]} open, opened {opened[0]} in all",
        "every visitor request answered",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per scenario")
    parser.add_argument("--slow", type=int, default=1000, help="slow connections in 4.")
    parser.add_argument(
        "--scenarios", default="1234", help="which to run, e.g. 1 for the pages alone (quicker)"
    )
    args = parser.parse_args(argv)
    print(f"load average at start: {load_average()}", flush=True)
    options = argparse.Namespace(database_url=None, workers=1, onnx_threads=None)
    with tempfile.TemporaryDirectory(prefix="pixelforge-attack-") as folder:
        running = None
        try:
            running = Site(options, Path(folder))
            port = running.port
            visitor = Visitor(port)
            result = visitor.upload(PHOTOS[0].name, PHOTOS[0].read_bytes())
            visitor.wait(result)
            if "1" in args.scenarios:
                pages_under_flood(running, result, args.duration)
            if "2" in args.scenarios:
                limits(port)
            if "3" in args.scenarios:
                over_limit_client(port, args.duration)
            if "4" in args.scenarios:
                slow_connections(port, args.slow, args.duration)
        finally:
            if running is not None:
                running.close()
    print("\n| scenario | measured | target | load average |\n|---|---|---|---|")
    for cells in ROWS:
        print("| " + " | ".join(cells) + " |")
    return 0


class Site(_site.Site):
    """load.py's set-up with the rate limits on (10 an hour per address)."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        limits = {
            "PIXELFORGE_UPLOAD_RATE_LIMIT": f"{LIMIT}/hour",
            "PIXELFORGE_API_RATE_LIMIT": f"{LIMIT}/hour",
        }
        # e.g. GUNICORN_THREADS=16 to try a setting (the bind stays)
        gunicorn = {
            k: v
            for k, v in os.environ.items()
            if k.startswith("GUNICORN_") and k != "GUNICORN_BIND"
        }
        super().__init__(args, work, extra_env=limits | gunicorn)


if __name__ == "__main__":
    sys.exit(main())
