"""The harness side of the benchmark workers: start one, send JSON requests, read its peak RSS.

A worker is a separate Python process that answers one JSON line per request (see
``_rembg_worker.py`` and ``_pipeline_worker.py``). Running the tools in their own processes keeps
rembg's dependencies out of the site's virtualenv and lets each speed measurement have its own,
unmixed peak RSS (read from ``os.wait4`` when the worker exits).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
MODELS_DIR = ROOT / "models"
REMBG_PYTHON = ROOT / ".venv-rembg" / "bin" / "python"
SITE_PYTHON = ROOT / ".venv" / "bin" / "python"


class WorkerError(RuntimeError):
    """A worker could not start or answered a request with an error."""


def rembg_available() -> bool:
    return REMBG_PYTHON.exists()


class Worker:
    """A running worker process; use as a context manager."""

    def __init__(self, argv: list[str], *, env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # the worker's own logs go straight to our stderr
            text=True,
            bufsize=1,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        self.info = self._read()
        if not self.info.get("ready"):
            self.close()
            raise WorkerError(f"{argv[1]} failed to start: {self.info.get('error')}")
        self.peak_rss_mb: float | None = None

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise WorkerError(f"{self.argv[1]} exited with code {code} (see its stderr above)")
        return json.loads(line)

    def request(self, **payload: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(payload) + "\n")
        self.proc.stdin.flush()
        answer = self._read()
        if not answer.get("ok"):
            raise WorkerError(f"{payload.get('op')} {payload.get('image', '')}: {answer['error']}")
        return answer

    def close(self) -> float | None:
        """Stop the worker; return its peak RSS in MB (from the kernel, via wait4)."""
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            _pid, _status, usage = os.wait4(self.proc.pid, 0)
            self.proc.returncode = _status
            self.peak_rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
        except ChildProcessError:  # already reaped
            pass
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.peak_rss_mb

    def __enter__(self) -> Worker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and self.proc.poll() is None:
            self.proc.kill()
        self.close()


def start_rembg(model: str = "u2net", *, threads: int | None = None) -> Worker:
    if not rembg_available():
        raise WorkerError(f"{REMBG_PYTHON} not found: run benchmarks/setup_rembg.sh first")
    env = {"OMP_NUM_THREADS": str(threads)} if threads else None
    argv = [str(REMBG_PYTHON), str(BENCH_DIR / "_rembg_worker.py"), "--model", model]
    return Worker([*argv, "--models-dir", str(MODELS_DIR)], env=env)


def start_pipeline(*, threads: int | None = None) -> Worker:
    python = SITE_PYTHON if SITE_PYTHON.exists() else Path(sys.executable)
    argv = [str(python), str(BENCH_DIR / "_pipeline_worker.py"), "--models-dir", str(MODELS_DIR)]
    if threads:
        argv += ["--threads", str(threads)]
    return Worker(argv)
