"""Peak memory of a web process answering a 40 MP API result in JSON mode, streamed or whole.

    .venv/bin/python -m benchmarks.api_memory               # 40 MP (7750 x 5160)
    .venv/bin/python -m benchmarks.api_memory --megapixels 10

It makes a throw-away site (SQLite, media in a temp folder), stores a finished API job whose
result is a real-sized PNG (a fixture photo scaled to the size, with grain and an alpha
channel, encoded as the pipeline encodes), then, each in a fresh process, GETs the job's
result URL with Accept: application/json through Django's test client and reads the body
chunk by chunk:

- "streamed": as served now (tools/api/streaming.py: base64 of 3-byte-aligned chunks);
- "whole": the streaming threshold raised above the file's size, which is the code path every
  result took before (read the file, base64 it, JsonResponse).

It prints the process's peak RSS (VmHWM) above its level just before the request.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
from pathlib import Path

from benchmarks import _site as site
from benchmarks._site import REPO

CHILD = r"""
import json, os, sys, time, uuid
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixelforge.settings")
import django
django.setup()
from django.http import StreamingHttpResponse
from django.test import Client
from tools.api import streaming
from tools.models import Job

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

mode, code = sys.argv[1], sys.argv[2]
if mode == "whole":
    streaming.STREAM_ABOVE_BYTES = 1 << 62
client = Client()
client.get("/api/v1/jobs/" + code)  # imports and the database connection, not the result
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")  # reset VmHWM to the current RSS
base = hwm()
started = time.perf_counter()
response = client.get("/api/v1/jobs/" + code + "/result", HTTP_ACCEPT="application/json")
length = 0
if isinstance(response, StreamingHttpResponse):
    for chunk in response.streaming_content:
        length += len(chunk)
else:
    length = len(response.content)
seconds = time.perf_counter() - started
del response
print(json.dumps({"status": 200, "base_mb": base, "peak_mb": hwm(), "bytes": length,
                  "seconds": seconds}))
"""

PREPARE = r"""
import io, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixelforge.settings")
import django
django.setup()
from PIL import Image
from tools.models import Job
from tools.pipeline.encode import encode
from tools.services import storage

width, height, photo = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
import numpy as np
image = Image.open(photo).convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
rng = np.random.default_rng(1)
for top in range(0, height, 512):  # a photo's grain: PNG sizes like a real result's
    rows = np.asarray(image.crop((0, top, width, min(height, top + 512)))).astype(np.int16)
    rows += rng.integers(-6, 7, rows.shape, dtype=np.int16)
    image.paste(Image.fromarray(rows.clip(0, 255).astype(np.uint8)), (0, top))
alpha = Image.linear_gradient("L").resize((width, height))
image.putalpha(alpha)
data = encode(image, "png")
job = Job.objects.create(kind=Job.Kind.API, status=Job.Status.DONE, width=width, height=height)
storage.store(storage.path(job, "api_result"), data)
job.result_meta = {"format": "png", "width": width, "height": height,
                   "foreground": [0, 0, width, height], "seconds": 1.0, "scaled_from": None}
job.save()
print(json.dumps({"code": str(job.code), "png_bytes": len(data)}))
"""


def run(env: dict[str, str], code: str, *args: str) -> dict:
    return site.python_json(env, "-c", code, *args, timeout=900)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megapixels", type=float, default=40.0)
    args = parser.parse_args()
    width = math.isqrt(round(args.megapixels * 1e6 * 1.5))
    height = round(width / 1.5)
    work = Path(tempfile.mkdtemp(prefix="pixelforge-api-memory-"))
    try:
        env = site.site_env(work, web_port=0, database_url=None, workers=1)
        env["DJANGO_ALLOWED_HOSTS"] = "testserver"
        env["PIXELFORGE_MAX_PIXELS"] = str(max(width * height, 50_000_000))
        site.manage(env, "migrate", "--no-input")
        photo = str(REPO / "tests" / "fixtures" / "astronaut.jpg")
        made = run(env, PREPARE, str(width), str(height), photo)
        print(
            f"{width} x {height} ({width * height / 1e6:.1f} MP) result: "
            f"PNG {made['png_bytes'] / 1e6:.1f} MB"
        )
        for mode in ("whole", "streamed"):
            found = run(env, CHILD, mode, made["code"])
            print(
                f"  {mode:8}: peak RSS +{found['peak_mb'] - found['base_mb']:.0f} MB above "
                f"{found['base_mb']:.0f} MB during the response; JSON "
                f"{found['bytes'] / 1e6:.1f} MB in {found['seconds']:.2f} s"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
