"""Compile (or load from the on-disk cache) every numba function the pipeline uses."""

from __future__ import annotations

import numpy as np

from .matte import estimate_foreground, pymatting, solve_alpha


def warmup() -> None:
    """Run matting once on a tiny image so the first real request pays no compile time.

    pymatting compiles its functions when imported (over a minute cold); with the cache in
    ``NUMBA_CACHE_DIR`` a fresh process loads them in well under a second.
    """
    pymatting()
    rng = np.random.default_rng(0)
    image = rng.random((24, 24, 3))
    trimap = np.full((24, 24), 0.5)
    trimap[:, :6] = 0.0
    trimap[:, 18:] = 1.0
    alpha = solve_alpha(image, trimap, fallback=trimap.astype(np.float32))
    estimate_foreground(image, alpha)
