"""Where a visitor's wait goes, outside the model: click-to-result in Chromium, by segment.

    .venv/bin/python -m benchmarks.latency [--runs 7] [--photo PATH]

Starts `make run`'s processes (runserver and one ``manage.py worker`` on SQLite, as
benchmarks/_click.py does), then, in headless Chromium (/usr/bin/chromium), chooses a 1 MP JPEG
on the upload page ``--runs`` times on an idle queue (the first, which warms the worker, is not
counted) and takes each upload apart with the job row's own timestamps and the browser's:

- upload: the click until the web process made the job's row (the POST and its checks);
- to queue: the row until a worker claimed it (storing the upload, queueing, and "poll": the
  task's wait in the queue until the worker's next poll found it);
- work: claimed until marked done, and its stages as the worker timed them (decoding, the
  model, matting, finishing: storing the cut-out and the page's pictures);
- to page: done until the browser started loading the result page (the waiting page's polls);
- page: that until the result picture is shown (the result page and its picture);
- total: the click until the result picture is shown;
- after done (not in the total): the worker's work after marking the job done (the standard
  downloads), which holds back the next upload when there is a queue.

Wall clocks of the same machine (Python's, Django's, Chromium's ``performance.timeOrigin``).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._click import make_run_site, one_megapixel_jpeg
from benchmarks._data import eval_data
from benchmarks._site import HOST
from benchmarks.speed import DEFAULT_PHOTOS

CHROMIUM = "/usr/bin/chromium"
TOOL = "/tools/remove-background/"
SEGMENTS = ("upload", "to queue", "work", "to page", "page", "total")
STAGES = tuple(f"  {stage}" for stage in ("decoding", "segmenting", "matting", "finishing"))

SHOWN = """() => { const img = document.querySelector("[data-result-image]");
  return img && img.complete && img.naturalWidth > 0; }"""
SHOWN_AT = """() => { const img = document.querySelector("[data-result-image]");
  const entry = performance.getEntriesByName(img.currentSrc)[0];
  return performance.timeOrigin + (entry ? entry.responseEnd : performance.now()); }"""


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()


def _row(db: Path, code: str) -> tuple[float, float, float, dict[str, int]]:
    """created_at, started_at and finished_at of the job as epoch seconds, and its stages' ms."""
    with sqlite3.connect(db) as connection:
        *times, stages = connection.execute(
            "SELECT created_at, started_at, finished_at, stage_ms FROM tools_job WHERE code = ?",
            (code.replace("-", ""),),
        ).fetchone()
    return *(_epoch(v) for v in times), json.loads(stages)


def _task(db: Path, code: str, deadline: float = 120.0) -> tuple[float, float, float]:
    """enqueued_at, started_at and finished_at of the job's process_job task (once finished)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with sqlite3.connect(db) as connection:
            row = connection.execute(
                "SELECT enqueued_at, started_at, finished_at"
                " FROM django_tasks_database_dbtaskresult"
                " WHERE task_path LIKE '%process_job' AND args_kwargs LIKE ?",
                (f"%{code}%",),
            ).fetchone()
        if row and row[2]:
            return tuple(_epoch(v) for v in row)
        time.sleep(0.1)
    raise TimeoutError(f"the task of job {code} did not finish")


def one_upload(page, base: str, photo: Path, db: Path) -> dict[str, float]:
    page.goto(base + TOOL)
    clicked = time.time()
    page.locator("#id_image").set_input_files(photo)
    if page.locator("[data-upload-submit]").is_visible():
        page.locator("[data-upload-submit]").click()
    page.wait_for_selector("[data-result-image]", state="attached", timeout=120_000)
    page.wait_for_function(SHOWN, timeout=60_000)
    shown = page.evaluate(SHOWN_AT) / 1000
    opened = page.evaluate("performance.timeOrigin") / 1000
    code = page.url.rstrip("/").rsplit("/", 1)[1]
    created, started, finished, stages = _row(db, code)
    enqueued, picked, task_done = _task(db, code)
    return {
        "  poll": picked - enqueued,
        "after done": task_done - finished,
        **{f"  {stage}": ms / 1000 for stage, ms in stages.items()},
        "upload": created - clicked,
        "to queue": started - created,
        "work": finished - started,
        "to page": max(0.0, opened - finished),  # 0: done before the waiting page opened
        "page": shown - max(opened, finished),
        "total": shown - clicked,
    }


def measure(photo: Path, runs: int) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    with make_run_site() as (port, work), sync_playwright() as playwright:
        path = work / "photo-1mp.jpg"
        path.write_bytes(one_megapixel_jpeg(photo))
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            base = f"http://{HOST}:{port}"
            one_upload(page, base, path, work / "db.sqlite3")  # warms the worker
            results = []
            for _ in range(runs):
                time.sleep(0.5)  # an idle queue, as a visitor would find it
                results.append(one_upload(page, base, path, work / "db.sqlite3"))
                print("  " + line(results[-1]), file=sys.stderr)
        finally:
            browser.close()
    return results


def line(values: dict[str, float]) -> str:
    return ", ".join(f"{name} {values[name]:.2f}" for name in SEGMENTS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Click-to-result by segment, in Chromium.")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--photo", type=Path, help="default: GT02 of the evaluation set")
    args = parser.parse_args(argv)
    photo = args.photo or eval_data() / DEFAULT_PHOTOS[0]
    load = os.getloadavg()
    results = measure(photo, args.runs)
    print(f"{args.runs} uploads of a 1 MP JPEG from {photo.name}; load average {load[0]:.1f}")
    print("| segment | median s | min s | max s |\n|---|---|---|---|")
    for name in (*SEGMENTS[:2], "  poll", SEGMENTS[2], *STAGES, *SEGMENTS[3:], "after done"):
        values = [r.get(name, 0.0) for r in results]
        print(
            f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
