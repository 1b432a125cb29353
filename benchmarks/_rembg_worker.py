"""rembg, driven over stdin/stdout; run ONLY with .venv-rembg/bin/python.

This file imports rembg, so it must never be imported by the site or the benchmark harness: the
harness starts it as a subprocess (see ``benchmarks/workers.py``), which keeps rembg's
dependencies out of the site's virtualenv. One rembg session (``new_session("u2net")``) is created
at start-up and reused for every request.

Protocol: one JSON object per line. The worker answers each request with one JSON line carrying
``"ok"``; anything the libraries print goes to stderr, never to the protocol stream.

    {"op": "alpha", "image": PATH, "out": PATH, "matting": bool}
        decode PATH, run rembg.remove, write the result's alpha channel to ``out`` (8-bit PNG).
    {"op": "bytes", "image": PATH, "matting": bool}
        time rembg.remove(file bytes) -> encoded PNG bytes, as a user of the library would.
    {"op": "rss"}   peak resident memory of this process so far.

``--check`` verifies, without network, that rembg resolves our model file and that the file's
md5 is the one rembg would insist on if it had to download it.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import re
import socket
import time
from pathlib import Path
from typing import Any

from _worker_protocol import Handler, peak_rss_mb, serve  # beside this file

# rembg's defaults for alpha matting (rembg.bg.remove); named here so the report can quote them.
FG_THRESHOLD = 240
BG_THRESHOLD = 10
ERODE_SIZE = 10


def _block_network() -> None:
    """Make any attempt to reach the network fail loudly instead of downloading."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("network access attempted inside the rembg benchmark worker")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]


def _point_at_models(models_dir: Path) -> None:
    # rembg >= 2.0.80 looks in U2NET_HOME (its "legacy home") for <name>.onnx before downloading.
    os.environ["U2NET_HOME"] = str(models_dir.resolve())
    os.environ.pop("MODEL_CHECKSUM_DISABLED", None)


def _md5(path: Path) -> str:
    digest = hashlib.md5()  # matches rembg's own integrity check
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check(models_dir: Path, model: str) -> dict[str, Any]:
    """Confirm rembg would use our file as is: same md5 as its download check, no network."""
    import rembg
    from rembg.sessions import sessions

    session_class = sessions[model]
    source = inspect.getsource(session_class.download_models)
    found = re.search(r"md5:([0-9a-f]{32})", source)
    if found is None:
        raise SystemExit(f"could not find the md5 rembg expects for {model}")
    expected = found.group(1)
    resolved = session_class.download_models()
    ours = models_dir / f"{model}.onnx"
    actual = _md5(Path(resolved))
    result = {
        "rembg": rembg.__version__ if hasattr(rembg, "__version__") else _rembg_version(),
        "model": model,
        "resolved": str(resolved),
        "uses_our_file": Path(resolved).resolve() == ours.resolve(),
        "expected_md5": expected,
        "actual_md5": actual,
        "md5_matches": actual == expected,
    }
    if not (result["uses_our_file"] and result["md5_matches"]):
        raise SystemExit(f"rembg would not use our model file as is: {json.dumps(result)}")
    return result


def _rembg_version() -> str:
    from importlib.metadata import version

    return version("rembg")


class Worker:
    def __init__(self, model: str) -> None:
        from rembg import new_session

        started = time.perf_counter()
        self.session = new_session(model)
        self.load_seconds = time.perf_counter() - started

    def _remove(self, data: Any, matting: bool) -> Any:
        from rembg import remove

        return remove(
            data,
            session=self.session,
            alpha_matting=matting,
            alpha_matting_foreground_threshold=FG_THRESHOLD,
            alpha_matting_background_threshold=BG_THRESHOLD,
            alpha_matting_erode_size=ERODE_SIZE,
        )

    def alpha(self, image: str, out: str, matting: bool) -> dict[str, Any]:
        from PIL import Image, ImageOps

        with Image.open(image) as opened:
            img = ImageOps.exif_transpose(opened).convert("RGB")
        started = time.perf_counter()
        cutout = self._remove(img, matting)
        seconds = time.perf_counter() - started
        alpha = cutout.getchannel("A")
        tmp = f"{out}.tmp.png"
        alpha.save(tmp)
        os.replace(tmp, out)
        return {"seconds": seconds}

    def encode(self, image: str, matting: bool) -> dict[str, Any]:
        data = Path(image).read_bytes()
        started = time.perf_counter()
        png = self._remove(data, matting)
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "out_bytes": len(png)}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "alpha":
            return self.alpha(request["image"], request["out"], bool(request["matting"]))
        if op == "bytes":
            return self.encode(request["image"], bool(request["matting"]))
        if op == "rss":
            return {"peak_rss_mb": peak_rss_mb()}
        raise ValueError(f"unknown op {op!r}")


def start(model: str) -> tuple[Handler, dict[str, Any]]:
    worker = Worker(model)
    ready = {"tool": "rembg", "version": _rembg_version(), "load_seconds": worker.load_seconds}
    return worker.handle, ready


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models-dir", type=Path, default=Path(__file__).parents[1] / "models")
    parser.add_argument("--model", default="u2net")
    parser.add_argument("--check", action="store_true", help="verify model file and md5, exit")
    args = parser.parse_args(argv)

    _block_network()
    _point_at_models(args.models_dir)
    if args.check:
        print(json.dumps(check(args.models_dir, args.model)))
        return
    serve(lambda: start(args.model))


if __name__ == "__main__":
    main()
