"""Alpha matting on a trimap built from the saliency map, at a bounded cost.

The model's map decides where the subject is; closed-form matting (Levin et al., called through
pymatting's ``estimate_alpha_cf``) only refines a band around its edge. Where the model is sure
(saliency above ``high``), alpha is exactly 1; where it is sure of background, exactly 0.

The solver's cost is bounded by construction: it sees at most ``max_unknown`` unknown pixels.
When the band is larger (a frame-filling furry subject, a soft map) the band is solved at a
reduced scale and carried back up by a colour-guided filter; if the incomplete Cholesky
preconditioner would exceed its memory budget, a Jacobi preconditioner is used instead; and a
solve that cannot run (no sure foreground or background near the band) falls back to the map.
Callers run all this at a capped working resolution and upsample the result (``guided.py``).

pymatting compiles its numba functions on import, cached in ``NUMBA_CACHE_DIR`` (default
``<repo>/.numba-cache``): import it lazily and run :func:`tools.pipeline.warmup` at deploy time.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import scipy.sparse
from PIL import Image
from scipy.ndimage import binary_erosion, distance_transform_edt, sobel, uniform_filter

from .grids import far_from, pool, resize
from .guided import guided_coefficients

REPO_DIR = Path(__file__).resolve().parents[2]  # not from .sessions: no onnxruntime here

# Values of the trimap, as pymatting expects them (floats in [0, 1]).
BACKGROUND, UNKNOWN, FOREGROUND = 0.0, 0.5, 1.0
# Below this many pixels on a side there is no edge worth matting (pymatting's foreground pyramid
# divides by zero on one pixel): the sharpened saliency is the alpha, the image its foreground.
MIN_MATTE_SIDE = 8


@dataclass(frozen=True)
class MatteParams:
    """The one fixed parameter set, the same for every image and source.

    Chosen by measurement on the development set with ``benchmarks/quality.py`` (how to run it
    and the metrics: docs/benchmarks.md); cost bounds come from ``benchmarks/speed.py``. The
    only size-dependent policies are cost bounds: matting runs at most at ``WORK_SIDE`` in
    ``remove.py``, and the solver sees at most ``max_unknown`` unknown pixels.
    """

    low: float = 0.05  # saliency below this is background before erosion
    high: float = 0.75  # saliency above this is foreground before erosion
    band_fraction: float = 0.0025  # erosion radius as a fraction of the long side
    min_band: int = 2  # erosion radius floor, in working pixels
    # A pixel the map calls subject (> 0.5) this far from sure background, as a fraction of the
    # long side, is foreground: with no background in reach matting cannot tell, and a hole in
    # the middle of a subject is the model's doubt, not transparency. Likewise a pixel it calls
    # background (below ``outside_level``) this far from sure foreground is background, not a
    # semi-transparent ghost.
    interior: float = 0.03
    outside_level: float = 0.25
    epsilon: float = 1e-6  # closed-form Laplacian regularisation
    cg_maxiter: int = 500
    cg_rtol: float = 1e-4  # relative residual; 1e-7 (pymatting's default) changes no metric
    # The solver never sees more unknown pixels than this; 8,000 scores as 15,000 did on the dev
    # set (MAE 0.0508, edge MAE 0.121) at half its time (benchmarks/matting_lab.py --cost).
    max_unknown: int = 8_000
    max_nnz: int = 4_000_000  # incomplete Cholesky budget (~64 MB), else Jacobi
    sharpen: float = 1.0  # contrast of the saliency around 0.5 where it is used as alpha
    # Matting refines the model's edge, it does not overrule it: the solved alpha stays within
    # this distance of the map (a red flag beside an orange suit stays background).
    trust: float = 0.2
    texture_window: float = 0.03  # window radius for background texture, fraction of long side
    texture_low: float = 0.04  # background gradient below this: trust the closed-form alpha
    texture_high: float = 0.08  # above this: trust the saliency
    # Where the nearby sure foreground and background differ in colour by less than
    # ``contrast_low`` (RGB distance of their local means, in [0, sqrt 3]), the colour cannot
    # tell them apart and the map is kept; above ``contrast_high`` the solved alpha is.
    # Where more than ``see_through_share`` of the pixels in a window (``texture_window``) are
    # in between (``low`` < map < ``high``), the subject is see-through (glass, a veil, water):
    # the map is kept there as the alpha, never snapped to 1 nor solved (0 turns this off). Off:
    # at 0.5 it gained 2% of see-through-pixel MAE on benchmarks/seethrough.py but cost 1% of
    # dev-set MAE and left a stray fragment on the cat sample.
    see_through_share: float = 0.0
    # Sure pixels this close to the band (fraction of the long side) fade from the trimap's 0 or
    # 1 back to the map, so the snapped interior leaves no step in the alpha's gradient. At
    # 0.024 / 0.05 (was 0.008 / 0.1) matting's Grad went from +4.3% to +0.1% against the map on
    # the dev set, for MAE -2.0% instead of -2.3% (benchmarks/matting_lab.py --set).
    feather: float = 0.024
    feather_min: float = 0.05
    contrast_low: float = 0.0
    contrast_high: float = 0.0
    solver: str = "cf"  # pymatting's alpha: cf, knn, lkm, rw or lbdm (benchmarks/matting_lab.py)
    foreground: str = "ml"  # pymatting's foreground estimation: ml (multi-level) or cf


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
    reach = params.interior * max(saliency.shape)
    if params.interior > 0 and sure_bg.any() and sure_fg.any():
        # Both from the thresholded regions, so the two rules cannot feed each other.
        inside = (saliency > 0.5) & far_from(sure_bg, reach)
        outside = (saliency <= params.outside_level) & far_from(sure_fg, reach)
        sure_fg |= inside
        sure_bg |= outside
        sure_fg &= ~see_through_zone(saliency, params) | (saliency > params.high)
    trimap[sure_fg] = FOREGROUND
    trimap[sure_bg] = BACKGROUND
    return trimap


def see_through_zone(saliency: np.ndarray, params: MatteParams = DEFAULT_PARAMS) -> np.ndarray:
    """Where the map is in between over a large area: a see-through subject, not an edge."""
    if params.see_through_share <= 0:
        return np.zeros(saliency.shape, dtype=bool)
    between = ((saliency > params.low) & (saliency < params.high)).astype(np.float32)
    size = 2 * max(1, round(params.texture_window * max(saliency.shape))) + 1
    return (uniform_filter(between, size, mode="nearest") > params.see_through_share) & (
        between > 0
    )


def _unknown_box(unknown: np.ndarray, pad: int) -> tuple[slice, slice]:
    rows = np.flatnonzero(unknown.any(axis=1))
    cols = np.flatnonzero(unknown.any(axis=0))
    height, width = unknown.shape
    return (
        slice(max(rows[0] - pad, 0), min(rows[-1] + pad + 1, height)),
        slice(max(cols[0] - pad, 0), min(cols[-1] + pad + 1, width)),
    )


def _preconditioner(max_nnz: int) -> Any:
    """Incomplete Cholesky within a memory budget; Jacobi (the diagonal) when it would not fit."""
    pm = pymatting()

    def build(matrix: scipy.sparse.csr_matrix) -> Any:
        try:
            return pm.ichol(matrix.tocsc(), max_nnz=max_nnz)
        except ValueError:  # "... more than max_nnz ...": the factor would not fit
            diagonal = matrix.diagonal()
            return scipy.sparse.diags(1.0 / np.maximum(diagonal, 1e-12))

    return build


def _closed_form(
    image: np.ndarray, trimap: np.ndarray, prior: np.ndarray, params: MatteParams
) -> np.ndarray:
    """pymatting's alpha by ``params.solver``, started from ``prior`` (closed form: with a
    bounded preconditioner)."""
    unknown = (trimap != FOREGROUND) & (trimap != BACKGROUND)
    pm = pymatting()
    image = np.ascontiguousarray(image, dtype=np.float64)
    cg_kwargs: dict[str, Any] = {"maxiter": params.cg_maxiter, "rtol": params.cg_rtol}
    if params.solver == "cf":
        return pm.estimate_alpha_cf(
            image,
            trimap,
            preconditioner=_preconditioner(params.max_nnz),
            laplacian_kwargs={"epsilon": params.epsilon},
            cg_kwargs={**cg_kwargs, "x0": prior[unknown].astype(np.float64)},
        )
    solve = {
        "knn": pm.estimate_alpha_knn,
        "lkm": pm.estimate_alpha_lkm,
        "rw": pm.estimate_alpha_rw,
        "lbdm": pm.estimate_alpha_lbdm,
    }[params.solver]
    return np.clip(solve(image, trimap, cg_kwargs=cg_kwargs), 0.0, 1.0)


def _solve_reduced(
    image: np.ndarray, trimap: np.ndarray, prior: np.ndarray, params: MatteParams, scale: float
) -> np.ndarray:
    """The closed-form alpha solved at ``scale`` and carried back by a colour-guided filter."""
    height, width = trimap.shape
    size = (max(MIN_MATTE_SIDE, round(width * scale)), max(MIN_MATTE_SIDE, round(height * scale)))
    small_image = np.clip(resize(image, size, Image.Resampling.BOX), 0.0, 1.0)
    small_prior = np.clip(resize(prior, size, Image.Resampling.BOX), 0.0, 1.0)
    small_trimap = resize(trimap.astype(np.float32), size, Image.Resampling.BOX)
    # A reduced pixel is known only when every pixel it covers is (no band pixel is lost).
    small_trimap = np.where(
        small_trimap >= 1.0 - 1e-6, FOREGROUND, np.where(small_trimap <= 1e-6, BACKGROUND, UNKNOWN)
    )
    if not ((small_trimap == FOREGROUND).any() and (small_trimap == BACKGROUND).any()):
        return prior
    small_alpha = _closed_form(small_image, small_trimap, small_prior, params)
    coeff_a, coeff_b = guided_coefficients(small_image, small_alpha, radius=1, eps=1e-4)
    planes = resize(coeff_a, (width, height), Image.Resampling.BILINEAR)
    offset = resize(coeff_b, (width, height), Image.Resampling.BILINEAR)
    return np.clip(np.einsum("hwc,hwc->hw", planes, image) + offset, 0.0, 1.0)


def solve_alpha(
    image: np.ndarray,
    trimap: np.ndarray,
    fallback: np.ndarray,
    params: MatteParams = DEFAULT_PARAMS,
) -> np.ndarray:
    """Closed-form alpha (float32) for ``image`` (h x w x 3 floats in [0, 1]).

    Known pixels keep their trimap value. Where the solver cannot run (no sure foreground or
    background near the band), the unknown pixels take ``fallback`` (the saliency). The solver
    sees at most ``params.max_unknown`` unknown pixels; a larger band is solved at a reduced
    scale.
    """
    alpha = trimap.astype(np.float32)
    unknown = trimap == UNKNOWN
    count = int(unknown.sum())
    if count == 0:
        return alpha
    rows, cols = _unknown_box(unknown, pad=4)
    crop_trimap = trimap[rows, cols]
    has_fg = (crop_trimap == FOREGROUND).any()
    has_bg = (crop_trimap == BACKGROUND).any()
    if not (has_fg and has_bg):
        alpha[unknown] = fallback[unknown]
        return alpha
    crop = image[rows, cols]
    prior = fallback[rows, cols]
    if count <= params.max_unknown:
        solved = _closed_form(crop, crop_trimap, prior, params)
    else:
        scale = math.sqrt(params.max_unknown / count) * 0.95
        solved = _solve_reduced(crop, crop_trimap, prior, params, scale)
    crop_alpha = alpha[rows, cols]
    crop_unknown = unknown[rows, cols]
    crop_alpha[crop_unknown] = solved[crop_unknown]
    return alpha


def estimate_foreground(
    image: np.ndarray, alpha: np.ndarray, params: MatteParams = DEFAULT_PARAMS
) -> np.ndarray:
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
    if params.foreground == "cf":
        foreground[rows, cols] = pm.estimate_foreground_cf(
            np.ascontiguousarray(image[rows, cols], dtype=np.float64),
            np.ascontiguousarray(alpha[rows, cols], dtype=np.float64),
        )
    else:
        foreground[rows, cols] = pm.estimate_foreground_ml(
            np.ascontiguousarray(image[rows, cols], dtype=np.float32),
            np.ascontiguousarray(alpha[rows, cols], dtype=np.float32),
        )
    return np.clip(foreground, 0.0, 1.0, out=foreground)


def sharpen(saliency: np.ndarray, params: MatteParams = DEFAULT_PARAMS) -> np.ndarray:
    """The saliency with more contrast around 0.5 (``sharpen`` 1: unchanged)."""
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
    half = max(1, round(params.texture_window * max(grey.shape)))
    # The window is wide and the weight smooth: it is computed on a grid of about 8 cells per
    # window radius and carried back up bilinearly (at full size it cost a sixth of matting).
    step = max(1, half // 8)
    share_cells = pool(background, step)
    texture_cells = pool(gradient * background, step)
    size = 2 * max(1, round(half / step)) + 1
    share = uniform_filter(share_cells, size, mode="nearest")
    texture = uniform_filter(texture_cells, size, mode="nearest")
    texture /= np.maximum(share, 1e-3)
    span = max(params.texture_high - params.texture_low, 1e-6)
    weight = np.clip((params.texture_high - texture) / span, 0.0, 1.0)
    no_background = share < 0.05
    border = np.zeros_like(no_background)
    edge = size // 2
    border[:edge], border[-edge:], border[:, :edge], border[:, -edge:] = True, True, True, True
    weight[no_background] = 0.0
    weight[no_background & border] = 1.0
    # The rules above switch abruptly (at the border strip, where background comes in reach):
    # smoothed over the same window, they leave no straight seam in the alpha.
    weight = uniform_filter(weight, size, mode="nearest")
    if step == 1:
        return weight
    full = (weight.shape[1] * step, weight.shape[0] * step)
    return resize(weight, full, Image.Resampling.BILINEAR)[: grey.shape[0], : grey.shape[1]]


def contrast_weight(
    image: np.ndarray, trimap: np.ndarray, params: MatteParams = DEFAULT_PARAMS
) -> np.ndarray:
    """How far the colours can tell subject from background at each pixel (1) or not (0).

    The distance between the mean colours of the sure foreground and of the sure background
    in a window around the pixel: a red flag beside an orange suit gives a small distance, a
    strand of hair in front of the sky a large one.
    """
    if params.contrast_high <= 0:
        return np.ones(trimap.shape, dtype=np.float32)
    size = 2 * max(1, round(params.texture_window * max(trimap.shape))) + 1
    weights = []
    for value in (FOREGROUND, BACKGROUND):
        known = (trimap == value).astype(np.float32)
        share = np.maximum(uniform_filter(known, size, mode="nearest"), 1e-3)
        means = np.stack(
            [uniform_filter(image[..., c] * known, size, mode="nearest") / share for c in range(3)],
            axis=-1,
        )
        weights.append(means)
    distance = np.linalg.norm(weights[0] - weights[1], axis=-1)
    span = max(params.contrast_high - params.contrast_low, 1e-6)
    return np.clip((distance - params.contrast_low) / span, 0.0, 1.0).astype(np.float32)


def matte(
    image: np.ndarray, saliency: np.ndarray, params: MatteParams = DEFAULT_PARAMS
) -> np.ndarray:
    """Alpha (float32) for ``image`` from its saliency map: closed form where it can be
    trusted, the (sharpened) saliency elsewhere (alone on images too small to matte)."""
    sharp = sharpen(saliency, params)
    if min(saliency.shape) < MIN_MATTE_SIDE:
        # No band to solve: the trimap's sure values still hold (a faint map is no subject).
        return np.where(saliency < params.low, 0.0, np.where(saliency > params.high, 1.0, sharp))
    trimap = make_trimap(saliency, params)
    alpha = solve_alpha(image, trimap, sharp, params)
    unknown = trimap == UNKNOWN
    if unknown.any():
        weight = matting_weight(image, trimap, params) * contrast_weight(image, trimap, params)
        weight[see_through_zone(saliency, params)] = 0.0
        weight = weight[unknown]
        prior = sharp[unknown]
        solved = np.clip(alpha[unknown], prior - params.trust, prior + params.trust)
        alpha[unknown] = weight * solved + (1.0 - weight) * prior
        alpha = _feather(alpha, sharp, unknown, params)
    return alpha


def _feather(
    alpha: np.ndarray, sharp: np.ndarray, unknown: np.ndarray, params: MatteParams
) -> np.ndarray:
    """Sure pixels near the band blend from the trimap value back to the (sharpened) map."""
    width = params.feather * max(alpha.shape)
    if width <= 0:
        return alpha
    # Only where snapping moved the value by more than ``feather_min``: a sure pixel the map
    # already calls 0.98 stays exactly opaque.
    known = ~unknown & (np.abs(alpha - sharp) > params.feather_min)
    if not known.any():
        return alpha
    # The distance to the band only matters below ``width``: it is taken in the box of the
    # pixels that may change, padded by ``width`` (any band pixel nearer is inside it).
    rows, cols = _unknown_box(known, pad=math.ceil(width) + 1)
    if not unknown[rows, cols].any():
        return alpha
    distance = distance_transform_edt(~unknown[rows, cols])
    weight = np.clip(distance / width, 0.0, 1.0).astype(np.float32)
    box, sure, smooth = alpha[rows, cols], known[rows, cols], sharp[rows, cols]
    box[sure] = weight[sure] * box[sure] + (1.0 - weight[sure]) * smooth[sure]
    return alpha
