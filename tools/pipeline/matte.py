"""Alpha matting on a trimap built from the saliency map, at a bounded cost.

The closed-form solver (Levin et al., via pymatting) runs only on the bounding box of the
unknown band, and its Laplacian is only computed for windows touching that band. Callers run
it at a capped working resolution and upsample the result (see ``guided.py``).

pymatting compiles its numba functions when it is imported; the compiled code is cached on
disk in ``NUMBA_CACHE_DIR`` (default ``<repo>/.numba-cache``), so import it lazily and run
:func:`tools.pipeline.warmup` once at deploy time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import scipy.sparse
from scipy.ndimage import binary_erosion, sobel, uniform_filter

REPO_DIR = Path(__file__).resolve().parents[2]  # not from .sessions: no onnxruntime here

# Values of the trimap, as pymatting expects them (floats in [0, 1]).
BACKGROUND, UNKNOWN, FOREGROUND = 0.0, 0.5, 1.0
# Below this many pixels on a side there is no edge worth matting (and pymatting's foreground
# pyramid divides by zero on a single pixel): the sharpened saliency is the alpha and the image
# its own foreground.
MIN_MATTE_SIDE = 8


@dataclass(frozen=True)
class MatteParams:
    """The one fixed parameter set, the same for every image and source.

    Chosen by measurement on the development set with ``benchmarks/quality.py`` (how to run it
    and the metrics: docs/benchmarks.md); cost bounds come from ``benchmarks/speed.py``. The
    only size-dependent policy is a cost bound: matting runs at most at ``WORK_SIDE`` in
    ``remove.py`` and larger images get their alpha by guided upsampling.
    """

    low: float = 10 / 255  # saliency below this is background before erosion
    high: float = 240 / 255  # saliency above this is foreground before erosion
    band_fraction: float = 0.005  # erosion radius as a fraction of the long side
    min_band: int = 2  # erosion radius floor, in working pixels
    epsilon: float = 1e-7  # closed-form Laplacian regularisation
    prior_weight: float = 0.0  # pull of the saliency on unknown pixels (0: pure closed form)
    cg_maxiter: int = 2000
    cg_rtol: float = 1e-4  # relative residual; 1e-7 (pymatting's default) changes no metric
    max_nnz: int = 40_000_000  # incomplete Cholesky budget (~640 MB)
    flip: bool = True  # average the prediction of the mirrored image (segmentation TTA)
    sharpen: float = 1.5  # contrast of the saliency around 0.5 where it is used as alpha
    texture_window: float = 0.03  # window radius for background texture, fraction of long side
    texture_low: float = 0.04  # background gradient below this: trust the closed-form alpha
    texture_high: float = 0.08  # above this: trust the sharpened saliency


DEFAULT_PARAMS = MatteParams()


def pymatting() -> ModuleType:
    """Import pymatting with the numba cache pointed at the project's folder."""
    os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO_DIR / ".numba-cache"))
    import pymatting as module

    return module


def band_radius(shape: tuple[int, int], params: MatteParams = DEFAULT_PARAMS) -> int:
    return max(params.min_band, round(params.band_fraction * max(shape)))


def make_trimap(saliency: np.ndarray, params: MatteParams = DEFAULT_PARAMS) -> np.ndarray:
    """A float64 trimap: 1 sure foreground, 0 sure background, 0.5 to be solved."""
    radius = band_radius(saliency.shape, params)
    structure = np.ones((2 * radius + 1, 2 * radius + 1), dtype=bool)
    sure_fg = binary_erosion(saliency > params.high, structure=structure)
    sure_bg = binary_erosion(saliency < params.low, structure=structure, border_value=1)
    trimap = np.full(saliency.shape, UNKNOWN, dtype=np.float64)
    trimap[sure_fg] = FOREGROUND
    trimap[sure_bg] = BACKGROUND
    return trimap


def _unknown_box(unknown: np.ndarray, pad: int) -> tuple[slice, slice]:
    rows = np.flatnonzero(unknown.any(axis=1))
    cols = np.flatnonzero(unknown.any(axis=0))
    height, width = unknown.shape
    return (
        slice(max(rows[0] - pad, 0), min(rows[-1] + pad + 1, height)),
        slice(max(cols[0] - pad, 0), min(cols[-1] + pad + 1, width)),
    )


def solve_alpha(
    image: np.ndarray,
    trimap: np.ndarray,
    fallback: np.ndarray,
    params: MatteParams = DEFAULT_PARAMS,
) -> np.ndarray:
    """Closed-form alpha (float32) for ``image`` (h x w x 3 floats in [0, 1]).

    Known pixels keep their trimap value. Where the solver cannot run (no sure foreground or
    background near the band), the unknown pixels take ``fallback`` (the saliency).
    """
    alpha = trimap.astype(np.float32)
    unknown = trimap == UNKNOWN
    if not unknown.any():
        return alpha
    rows, cols = _unknown_box(unknown, pad=4)
    crop_trimap = trimap[rows, cols]
    has_fg = (crop_trimap == FOREGROUND).any()
    has_bg = (crop_trimap == BACKGROUND).any()
    if not (has_fg and has_bg):
        alpha[unknown] = fallback[unknown]
        return alpha
    crop = np.ascontiguousarray(image[rows, cols], dtype=np.float64)
    prior = fallback[rows, cols].astype(np.float64)
    alpha[rows, cols] = _closed_form(crop, crop_trimap, prior, params)
    return alpha


def _closed_form(
    image: np.ndarray, trimap: np.ndarray, prior: np.ndarray, params: MatteParams
) -> np.ndarray:
    """Minimise a^T L a over the unknown pixels, plus prior_weight * |a - prior|^2 there.

    With prior_weight 0 this is pymatting's estimate_alpha_cf; a small weight keeps the solve
    from leaking far from the segmentation where foreground and background colours are alike.
    """
    pm = pymatting()
    is_fg = (trimap == FOREGROUND).ravel()
    is_known = is_fg | (trimap == BACKGROUND).ravel()
    is_unknown = ~is_known
    laplacian = pm.cf_laplacian(image, epsilon=params.epsilon, is_known=is_known)
    rows = laplacian[is_unknown, :]
    system = rows[:, is_unknown]
    rhs = -rows[:, is_known].dot(is_fg[is_known].astype(np.float64))
    if params.prior_weight > 0:
        system = system + params.prior_weight * scipy.sparse.eye(system.shape[0], format="csr")
        rhs = rhs + params.prior_weight * prior.ravel()[is_unknown]
    solution = trimap.astype(np.float64).ravel()
    solution[is_unknown] = pm.cg(
        system,
        rhs,
        x0=prior.ravel()[is_unknown],
        M=pm.ichol(system.tocsc(), max_nnz=params.max_nnz),
        maxiter=params.cg_maxiter,
        rtol=params.cg_rtol,
    )
    return np.clip(solution, 0.0, 1.0).reshape(trimap.shape)


def estimate_foreground(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Foreground colours (h x w x 3 float32) without the old background's tint at the edges.

    Only the bounding box of the partly transparent pixels is solved; elsewhere the image is
    its own foreground.
    """
    foreground = image.astype(np.float32, copy=True)
    partial_alpha = (alpha > 0.0) & (alpha < 1.0)
    if min(alpha.shape) < MIN_MATTE_SIDE or not partial_alpha.any():
        return foreground
    rows, cols = _unknown_box(partial_alpha, pad=8)
    pm = pymatting()
    foreground[rows, cols] = pm.estimate_foreground_ml(
        np.ascontiguousarray(image[rows, cols], dtype=np.float32),
        np.ascontiguousarray(alpha[rows, cols], dtype=np.float32),
    )
    return np.clip(foreground, 0.0, 1.0, out=foreground)


def sharpen(saliency: np.ndarray, params: MatteParams = DEFAULT_PARAMS) -> np.ndarray:
    """The saliency with more contrast around 0.5 (U2-Net's upscaled edges are blurry)."""
    return np.clip((saliency - 0.5) * params.sharpen + 0.5, 0.0, 1.0).astype(np.float32)


def matting_weight(
    image: np.ndarray, trimap: np.ndarray, params: MatteParams = DEFAULT_PARAMS
) -> np.ndarray:
    """How much to trust the closed-form alpha at each pixel (1) against the saliency (0).

    Closed-form matting assumes smooth colours around the edge; in front of a textured
    background (a fence, foliage, gravel) it follows the texture instead of the subject. The
    weight falls as the mean gradient of the nearby sure-background pixels rises. Pixels with no
    background nearby use the saliency, except at the frame edge, where a subject cut by the
    frame is best completed by propagating the subject itself.
    """
    grey = image.mean(axis=2, dtype=np.float32)
    gradient = np.hypot(sobel(grey, 0), sobel(grey, 1))
    background = (trimap == BACKGROUND).astype(np.float32)
    size = 2 * max(1, round(params.texture_window * max(grey.shape))) + 1
    share = uniform_filter(background, size, mode="nearest")
    texture = uniform_filter(gradient * background, size, mode="nearest")
    texture /= np.maximum(share, 1e-3)
    span = max(params.texture_high - params.texture_low, 1e-6)
    weight = np.clip((params.texture_high - texture) / span, 0.0, 1.0)
    no_background = share < 0.05
    border = np.zeros_like(no_background)
    edge = size // 2
    border[:edge], border[-edge:], border[:, :edge], border[:, -edge:] = True, True, True, True
    weight[no_background] = 0.0
    weight[no_background & border] = 1.0
    return weight


def matte(
    image: np.ndarray, saliency: np.ndarray, params: MatteParams = DEFAULT_PARAMS
) -> np.ndarray:
    """Alpha (float32) for ``image`` from its saliency map: closed form where it can be
    trusted, the sharpened saliency elsewhere (alone on images too small to matte)."""
    sharp = sharpen(saliency, params)
    if min(saliency.shape) < MIN_MATTE_SIDE:
        return sharp
    trimap = make_trimap(saliency, params)
    alpha = solve_alpha(image, trimap, sharp, params)
    unknown = trimap == UNKNOWN
    if unknown.any():
        weight = matting_weight(image, trimap, params)[unknown]
        alpha[unknown] = weight * alpha[unknown] + (1.0 - weight) * sharp[unknown]
    return alpha
