"""Guided filtering and guided upsampling (He, Sun and Tang; "fast guided filter", He and Sun 2015).

The alpha matte is solved at a capped working resolution; these functions carry it up to the
full image so that its edges follow the full-resolution colours, in bounded time and memory.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy.ndimage import uniform_filter

STRIP_ROWS = 256


SUM_RADIUS = 3  # up to this radius a sum of shifted views beats scipy's running mean (4-5x at 1)


def box(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1) square window, per channel, edges replicated."""
    if radius > SUM_RADIUS:
        size = (2 * radius + 1, 2 * radius + 1) + (1,) * (values.ndim - 2)
        return uniform_filter(values, size=size, mode="nearest")
    out = values.astype(np.result_type(values.dtype, np.float32))  # float64 stays float64
    for axis in (0, 1):
        out = _window_sum(out, radius, axis)
    out *= np.float32(1 / (2 * radius + 1) ** 2)
    return out


def _window_sum(values: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Sum of the 2r+1 neighbours along ``axis`` (0 or 1), edges replicated."""
    pad = [(0, 0)] * values.ndim
    pad[axis] = (radius, radius)
    padded = np.pad(values, pad, mode="edge")
    length = values.shape[axis]
    index = [slice(None)] * values.ndim
    index[axis] = slice(0, length)
    acc = padded[tuple(index)].copy()
    for shift in range(1, 2 * radius + 1):
        index[axis] = slice(shift, shift + length)
        acc += padded[tuple(index)]
    return acc


def guided_coefficients(
    guide: np.ndarray, source: np.ndarray, *, radius: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Linear coefficients (A: h x w x 3, b: h x w) of a colour-guided filter, box-averaged.

    The guide is centred on its mean colour first: the same coefficients, with less rounding
    in the window covariances (small differences of float32 sums).
    """
    centre = guide.reshape(-1, guide.shape[-1]).mean(axis=0, dtype=np.float64).astype(np.float32)
    guide = guide.astype(np.float32) - centre
    source = source.astype(np.float32, copy=False)
    mean_i = box(guide, radius)
    mean_p = box(source, radius)
    cov_ip = box(guide * source[..., None], radius) - mean_i * mean_p[..., None]
    # The 3 x 3 covariance of the guide in each window, regularised by eps, solved in closed
    # form (it is symmetric): the coefficients of np.linalg.solve at a fraction of its time.
    var = {}
    for a in range(3):
        for b in range(a, 3):
            cov = box(guide[..., a] * guide[..., b], radius) - mean_i[..., a] * mean_i[..., b]
            var[a, b] = cov.astype(np.float64) + (eps if a == b else 0.0)
    coeff_a = _solve_symmetric(var, cov_ip.astype(np.float64))
    coeff_b = mean_p - np.einsum("hwc,hwc->hw", coeff_a, mean_i + centre)
    return box(coeff_a, radius), box(coeff_b, radius)


def _solve_symmetric(var: dict[tuple[int, int], np.ndarray], rhs: np.ndarray) -> np.ndarray:
    """x with S x = rhs per pixel, S the symmetric 3 x 3 matrix whose upper triangle is ``var``
    ((a, b) -> h x w), by its adjugate (Cramer's rule); float64 inside, float32 out."""
    s00, s01, s02, s11, s12, s22 = (
        var[k] for k in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
    )
    c00 = s11 * s22 - s12 * s12
    c01 = s02 * s12 - s01 * s22
    c02 = s01 * s12 - s02 * s11
    c11 = s00 * s22 - s02 * s02
    c12 = s01 * s02 - s00 * s12
    c22 = s00 * s11 - s01 * s01
    det = s00 * c00 + s01 * c01 + s02 * c02
    r0, r1, r2 = rhs[..., 0], rhs[..., 1], rhs[..., 2]
    out = np.empty(rhs.shape, dtype=np.float32)
    out[..., 0] = (c00 * r0 + c01 * r1 + c02 * r2) / det
    out[..., 1] = (c01 * r0 + c11 * r1 + c12 * r2) / det
    out[..., 2] = (c02 * r0 + c12 * r1 + c22 * r2) / det
    return out


def _upsample(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    image = Image.fromarray(np.ascontiguousarray(values, dtype=np.float32), "F")
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def guided_upsample(
    guide_small: np.ndarray,
    alpha_small: np.ndarray,
    guide_full: Image.Image,
    *,
    radius: int,
    eps: float,
) -> np.ndarray:
    """Alpha at the size of ``guide_full`` (float32 in [0, 1]), guided by its colours.

    ``guide_small`` is the working-resolution image as floats in [0, 1]. The full image is
    processed in strips so that memory stays a few float planes of the output size.
    """
    size = guide_full.size
    coeff_a, coeff_b = guided_coefficients(guide_small, alpha_small, radius=radius, eps=eps)
    planes = [_upsample(coeff_a[..., c], size) for c in range(3)]
    offset = _upsample(coeff_b, size)
    full = np.asarray(guide_full)
    out = np.empty((size[1], size[0]), dtype=np.float32)
    for top in range(0, size[1], STRIP_ROWS):
        rows = slice(top, top + STRIP_ROWS)
        strip = full[rows].astype(np.float32) * np.float32(1 / 255)
        acc = offset[rows].copy()
        for c in range(3):
            acc += planes[c][rows] * strip[..., c]
        out[rows] = acc
    return np.clip(out, 0.0, 1.0, out=out)


def upsample_delta(
    small_new: np.ndarray, small_old: np.ndarray, full_old: Image.Image
) -> np.ndarray:
    """``full_old`` plus the upsampled change (small_new - small_old), as uint8 RGB.

    Used for foreground colours: the low-resolution estimate removes the old background's tint
    at the edges, the full-resolution pixels keep their detail.
    """
    size = full_old.size
    delta = [_upsample(small_new[..., c] - small_old[..., c], size) for c in range(3)]
    full = np.asarray(full_old)
    out = np.empty_like(full)
    for top in range(0, size[1], STRIP_ROWS):
        rows = slice(top, top + STRIP_ROWS)
        strip = full[rows].astype(np.float32)
        for c in range(3):
            strip[..., c] += delta[c][rows] * 255.0
        out[rows] = np.clip(strip + 0.5, 0, 255).astype(np.uint8)
    return out
