"""The line protocol of the benchmark workers (``_pipeline_worker.py``, ``_rembg_worker.py``).

One JSON object per line each way. The worker says it is ready (or why it is not) once, then
answers every request with one line carrying ``"ok"``; whatever the libraries print goes to
stderr, never to the protocol stream. Standard library only: the rembg worker runs under its own
interpreter and imports this as a file beside it.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve(start: Callable[[], tuple[Handler, dict[str, Any]]]) -> None:
    """Run ``start()`` (load the tool; it returns the request handler and what to say when
    ready), then answer stdin's requests until it closes."""
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def reply(payload: dict[str, Any]) -> None:
        protocol.write(json.dumps(payload) + "\n")
        protocol.flush()

    try:
        handle, ready = start()
    except Exception as exc:  # reported to the harness
        reply({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        raise SystemExit(1) from exc
    reply({"ok": True, "ready": True, **ready})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            payload = {"ok": True, **handle(json.loads(line))}
        except Exception as exc:  # one bad image must not end the run
            payload = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        reply(payload)
