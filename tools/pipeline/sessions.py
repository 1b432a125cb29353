"""One onnxruntime session per model per process, created lazily and reused.

Configuration comes from :func:`configure` or, when it was not called, from the environment:
``PIXELFORGE_MODELS_DIR`` (default ``<repo>/models``) and ``PIXELFORGE_ONNX_THREADS``
(default 0: onnxruntime picks one thread per physical core).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import onnxruntime as ort

from .errors import ModelUnavailable
from .manifest import FETCH_HINT, get_spec, model_file_problem

REPO_DIR = Path(__file__).resolve().parents[2]

_lock = threading.Lock()
_sessions: dict[tuple[str, Path, int], ort.InferenceSession] = {}
_models_dir: Path | None = None
_threads: int | None = None
_providers: list[str] = ["CPUExecutionProvider"]

ort.set_default_logger_severity(3)

# Chosen by measurement on the models that run, IS-Net at 1024x1024 (benchmarks/session_options.py
# and benchmarks/speed.py; docs/benchmarks.md "int8 IS-Net"; shared 2-core machine, load 9-13):
# - memory arena and memory pattern OFF. On, one bare inference was 14-16% faster
#   (isnet-int8 5.77 s against 6.73 s, isnet 12.1 s against 14.4 s), but peak RSS grew by 263 MB
#   (int8) and 800 MB (float32), and a whole 4000 px job with isnet-int8 peaked at 1261 MB against
#   728 MB with them off, over the 1 GB target, with no consistent gain over the whole job.
# - ORT_ENABLE_ALL: ORT_ENABLE_BASIC is 4x slower on int8 (it does not fuse the QDQ nodes into
#   int8 kernels), ORT_ENABLE_EXTENDED no faster.
# - intra-op threads do not spin while they wait for work: with two threads one isnet-int8
#   inference at 1024x1024 cost 4-8% more CPU than with one thread when they do not spin, and
#   40% more when they spin, alone or beside a second such process (benchmarks/threads.py;
#   docs/benchmarks.md, "Speed (issue 18)"). So a worker may use both cores for a lone job
#   and lose little when the other worker's job runs at the same time.
MEMORY_ARENA = False
OPTIMIZATION = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
SPINNING = False


def configure(
    *,
    models_dir: Path | None = None,
    threads: int | None = None,
    providers: list[str] | None = None,
) -> None:
    """Set where model files live, how many threads inference may use and which onnxruntime
    execution providers to try, in order (e.g. CUDAExecutionProvider, CPUExecutionProvider).

    Sessions are cached per (model, folder, threads), so the next use picks up new settings;
    new providers drop them all. Every job calls this (tools/tasks.py) with the same settings: a
    new session per job cost about 0.2 s of a 1 s inference (creating it, and its first run).
    """
    global _models_dir, _threads, _providers
    if threads is not None and threads < 0:
        raise ValueError("threads must be 0 (automatic) or a positive number")
    with _lock:
        if models_dir is not None:
            _models_dir = Path(models_dir)
        if threads is not None:
            _threads = threads
        if providers and list(providers) != _providers:  # the same ones: keep the sessions
            _providers = list(providers)
            _sessions.clear()


def models_dir() -> Path:
    if _models_dir is not None:
        return _models_dir
    env = os.environ.get("PIXELFORGE_MODELS_DIR", "").strip()
    return Path(env) if env else REPO_DIR / "models"


def onnx_threads() -> int:
    if _threads is not None:
        return _threads
    env = os.environ.get("PIXELFORGE_ONNX_THREADS", "").strip()
    if not env:
        return 0
    try:
        value = int(env)
    except ValueError:
        raise ValueError(f"PIXELFORGE_ONNX_THREADS must be a whole number, got {env!r}") from None
    if value < 0:
        raise ValueError(f"PIXELFORGE_ONNX_THREADS must be 0 or more, got {value}")
    return value


def session_options(
    threads: int,
    *,
    memory_arena: bool = MEMORY_ARENA,
    optimization: ort.GraphOptimizationLevel = OPTIMIZATION,
    spinning: bool = SPINNING,
) -> ort.SessionOptions:
    """PixelForge's onnxruntime session options (``benchmarks/session_options.py`` varies the
    keyword arguments to measure them)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = optimization
    options.enable_cpu_mem_arena = memory_arena
    options.enable_mem_pattern = memory_arena
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return options


def _create(name: str, folder: Path, threads: int) -> ort.InferenceSession:
    problem = model_file_problem(name, folder)
    if problem:
        raise ModelUnavailable(problem)
    path = folder / get_spec(name).filename
    options = session_options(threads)
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=_providers)
    except Exception as exc:  # onnxruntime raises its own unexported exception types
        raise ModelUnavailable(
            f"The model file {path} for {name!r} could not be loaded ({exc}). {FETCH_HINT}"
        ) from exc


def get_session(name: str) -> ort.InferenceSession:
    """Return the process-wide session for model ``name``, creating it on first use."""
    key = (name, models_dir(), onnx_threads())
    session = _sessions.get(key)
    if session is not None:
        return session
    with _lock:
        session = _sessions.get(key)
        if session is None:
            session = _create(*key)
            _sessions[key] = session
        return session
