"""Two calls at a time in one process, for work that lets go of the GIL.

Pillow's encoders and resizes (zlib, libwebp, libjpeg), numpy's array arithmetic and pymatting's
numba functions (``nogil``) release the GIL, so a lone job can use the second core for them:
the full-size files and the page's pictures are encoded side by side, and foreground
estimation runs beside the guided upsampling (benchmarks/speed.py, click-to-result). With two
busy workers the threads only interleave. Two threads per process, made on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_POOL: tuple[int, ThreadPoolExecutor] | None = None  # (the process it was made in, the pool)


def side_by_side(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The results of ``calls``, run two at a time. Only for calls that touch neither the
    database nor storage (their connections belong to the calling thread)."""
    global _POOL
    if len(calls) < 2:
        return [call() for call in calls]
    if _POOL is None or _POOL[0] != os.getpid():  # a forked child has none of its threads
        _POOL = (os.getpid(), ThreadPoolExecutor(2, thread_name_prefix="pixelforge-side"))
    futures = [_POOL[1].submit(call) for call in calls]
    return [future.result() for future in futures]
