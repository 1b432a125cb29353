"""Click-to-result through the web form, with the processes `make run` starts.

`make run` serves the site with ``manage.py runserver`` and one ``manage.py worker`` on the
database queue (SQLite). This starts the same two on a loopback port in a throw-away folder,
uploads a 1 MP JPEG through the form (CSRF token and all, as ``benchmarks/load.py`` does) one
at a time on an idle queue, and times each from the start of the POST until the status URL says
the PNG is ready (polled every 50 ms; the waiting page's own script polls every 250 ms at
first, which a visitor may add: benchmarks/latency.py measures that in Chromium). The first
upload warms the worker (model session, numba) and is not counted.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from benchmarks import _site as site
from benchmarks._site import HOST
from benchmarks._visitor import Visitor

POLL = 0.05


def one_megapixel_jpeg(photo: Path) -> bytes:
    with Image.open(photo) as opened:
        rgb = opened.convert("RGB")
    factor = (1_000_000 / (rgb.width * rgb.height)) ** 0.5
    size = (round(rgb.width * factor), round(rgb.height * factor))
    out = io.BytesIO()
    rgb.resize(size, Image.Resampling.LANCZOS).save(out, "JPEG", quality=90)
    return out.getvalue()


def _until_done(visitor: Visitor, result_path: str, deadline: float = 300.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        status, data, _ = visitor._request("GET", result_path + "status/")
        state = json.loads(data)["state"] if status == 200 else f"HTTP {status}"
        if state == "done":
            return
        if state not in ("queued", "processing"):
            raise RuntimeError(f"{result_path}: {state}")
        time.sleep(POLL)
    raise TimeoutError(f"{result_path} not done after {deadline} s")


@contextlib.contextmanager
def make_run_site() -> Iterator[tuple[int, Path]]:
    """`make run`'s two processes (runserver, one worker on SQLite) in a throw-away folder:
    yields the web port and the folder (its db.sqlite3 holds the job rows)."""
    with tempfile.TemporaryDirectory(prefix="pixelforge-click-") as folder:
        work = Path(folder)
        port = site.free_port()
        env = site.site_env(work, web_port=port, database_url=None, workers=1)
        env["DJANGO_DEBUG"] = "true"  # as `make run`: runserver serves the static files
        site.manage(env, "migrate", "--noinput")
        web = site.start(
            [sys.executable, "manage.py", "runserver", "--noreload", f"{HOST}:{port}"],
            env,
            work / "web.log",
        )
        worker = site.start_worker(env, work)
        try:
            site.wait_for_port(port)
            yield port, work
        finally:
            site.stop(worker)
            site.stop(web)


def click_to_result(photo: Path, runs: int = 5) -> dict[str, object]:
    """Median seconds from upload to PNG ready over ``runs`` uploads, and each time."""
    data = one_megapixel_jpeg(photo)
    with make_run_site() as (port, _):
        visitor = Visitor(port)
        _until_done(visitor, visitor.upload("warm-up.jpg", data))
        times = []
        for i in range(runs):
            time.sleep(0.5)  # an idle queue, as a visitor would find it
            started = time.monotonic()
            _until_done(visitor, visitor.upload(f"photo-{i}.jpg", data))
            times.append(time.monotonic() - started)
            print(f"  click-to-result {times[-1]:.2f}s", file=sys.stderr)
    with Image.open(io.BytesIO(data)) as image:
        pixels = list(image.size)
    return {"median": statistics.median(times), "times": times, "pixels": pixels}
