"""Several hosts, for real: a web process (gunicorn) and a worker (`manage.py worker`) that share
nothing but the database, Redis (the RQ backend and the cache) and an S3-compatible bucket
(moto's server mode). Each has its own, empty media folder; a visitor's upload, result page,
previews, downloads, background image, refine and delete all work through HTTP, and neither
folder ever holds a file."""

from __future__ import annotations

import io
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image

from tests import s3, servers
from tests.tool_helpers import TOOL_URL, scene

pytestmark = [
    pytest.mark.hosts,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
]

BUCKET = "pixelforge-hosts"
# The two-subject scene with a little noise, larger than the refine's working size (so a stroke
# keeps its working-size files in the bucket).
SIZE = (1200, 800)
DISC, BLOCK = (400, 276), (400, 912)  # (row, column) inside each subject
CHOICE = {"bg_color": "#ffffff", "size": "original", "margin": "0"}  # the form's other fields


@pytest.fixture
def hosts(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    moto, endpoint = s3.start_server(run / "moto.log")
    redis_port = servers.free_port()
    redis = servers.start(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
        {},
        run / "redis.log",
    )
    servers.wait_for_port(redis_port)
    s3.create_bucket(endpoint, BUCKET)
    shared = {
        **s3.site_env(endpoint, BUCKET),
        "PIXELFORGE_TASKS_BACKEND": "rq",
        "PIXELFORGE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DJANGO_CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
    }
    folders = {}
    for host in ("web", "worker"):
        folders[host] = tmp_path / host
        for name in ("media", "cache"):
            (folders[host] / name).mkdir(parents=True)
    web_env = servers.site_env(folders["web"] / "media", folders["web"] / "cache", **shared)
    worker_env = servers.site_env(
        folders["worker"] / "media", folders["worker"] / "cache", **shared
    )
    port = servers.free_port()
    web = servers.start(
        [
            sys.executable,
            *("-m", "gunicorn", "-c", "gunicorn.conf.py", "pixelforge.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"),
        ],
        {**web_env, "GUNICORN_ACCESS_LOG": ""},
        run / "gunicorn.log",
    )
    worker = servers.start_worker(worker_env, run / "worker.log")
    processes = [worker, web, redis, moto]
    try:
        servers.wait_for_port(port)
        yield f"http://127.0.0.1:{port}", endpoint, folders
    finally:
        for process in processes:
            servers.stop(process)


def _token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _wait_done(session: requests.Session, result: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = session.get(result + "status/", timeout=30).json()["state"]
        if state == "done":
            return
        assert state in ("queued", "processing"), state
        time.sleep(0.3)
    raise AssertionError("the worker never finished the job")


def _image(response: requests.Response) -> Image.Image:
    assert response.status_code == 200, response.text[:500]
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def _noisy_scene() -> bytes:
    pixels = np.asarray(scene(SIZE), dtype=np.int16)
    noise = np.random.default_rng(7).integers(-6, 7, size=pixels.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)).save(out, "JPEG")
    return out.getvalue()


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_a_web_host_and_a_worker_host_share_only_database_redis_and_bucket(hosts):
    base, endpoint, folders = hosts
    visitor = requests.Session()
    token = _token(visitor, base + TOOL_URL)
    upload = visitor.post(
        base + TOOL_URL,
        data={"csrfmiddlewaretoken": token},
        files={"image": ("photo.jpg", _noisy_scene(), "image/jpeg")},
        headers={"Referer": base + TOOL_URL},
        allow_redirects=False,
        timeout=60,
    )
    assert upload.status_code == 302, upload.text[:500]
    result = base + upload.headers["Location"]
    code = re.search(r"/r/([0-9a-f-]{36})/", result).group(1)
    _wait_done(visitor, result)
    page = visitor.get(result, timeout=30)
    assert "Background removed" in page.text
    assert _image(visitor.get(result + "view/original/", timeout=30)).size[0] > 0
    assert _image(visitor.get(result + "view/cutout/", timeout=30)).mode == "RGBA"

    download = visitor.get(result + "download/png/", timeout=60)  # rendered by the worker
    png = _image(download)
    alpha = np.asarray(png.getchannel("A"))
    assert png.size == SIZE and alpha[DISC] == 255 and alpha[10, 10] == 0
    mask = _image(visitor.get(result + "download/mask/", timeout=60))
    assert mask.size == SIZE

    # A background image, decoded by the worker from the bucket, then a JPEG download on it.
    green = io.BytesIO()
    Image.new("RGB", (200, 150), (20, 200, 40)).save(green, "PNG")
    chosen = visitor.post(
        result,
        data={"csrfmiddlewaretoken": _token(visitor, result), "background": "image", **CHOICE},
        files={"bg_image": ("green.png", green.getvalue(), "image/png")},
        headers={"Referer": result},
        allow_redirects=False,
        timeout=60,
    )
    assert chosen.status_code in (200, 302), chosen.text[:500]
    jpeg = _image(visitor.get(result + "download/jpg/", timeout=60))
    red, green_value, blue = jpeg.convert("RGB").getpixel((5, 5))
    assert green_value > 150 and red < 80 and blue < 100

    # A refine stroke, solved by the worker on the files in the bucket.
    strokes = np.zeros(SIZE[::-1], dtype=np.uint8)
    strokes[224:576, 96:456] = 2  # remove the red disc
    mask_png = io.BytesIO()
    Image.fromarray(strokes, "L").save(mask_png, "PNG")
    refine = result + "refine/"
    refined = visitor.post(
        refine,
        data={"csrfmiddlewaretoken": _token(visitor, refine), "action": "strokes", "base": 0},
        files={"strokes": ("strokes.png", mask_png.getvalue(), "image/png")},
        headers={"Referer": refine, "Accept": "application/json"},
        timeout=120,
    )
    assert refined.status_code == 200, refined.text[:500]
    assert refined.json()["revision"] == 1
    visitor.post(  # back to a plain cut-out for the PNG download
        result,
        data={"csrfmiddlewaretoken": _token(visitor, result), "background": "none", **CHOICE},
        headers={"Referer": result},
        allow_redirects=False,
        timeout=60,
    )
    after = np.asarray(_image(visitor.get(result + "download/png/", timeout=60)).getchannel("A"))
    assert after[DISC] < 30 and after[BLOCK] == 255  # the disc went, the block stayed

    stored = s3.keys(endpoint, BUCKET, f"jobs/{code}/")
    assert f"jobs/{code}/upload" in stored and f"jobs/{code}/work.png" in stored
    deleted = visitor.post(
        result + "delete/",
        data={"csrfmiddlewaretoken": _token(visitor, result)},
        headers={"Referer": result},
        allow_redirects=False,
        timeout=30,
    )
    assert deleted.status_code == 302 and "deleted=1" in deleted.headers["Location"]
    assert s3.keys(endpoint, BUCKET, f"jobs/{code}/") == []
    assert visitor.get(result, timeout=30).status_code == 404
    for host in ("web", "worker"):  # every file went to the bucket: no host kept one
        assert _files(folders[host] / "media") == [], host
