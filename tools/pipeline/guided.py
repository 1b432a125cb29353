"""Guided filtering and guided upsampling (He, Sun and Tang; "fast guided filter", He and Sun 2015).

The alpha matte is solved at a capped working resolution; these functions carry it up to the
full image so that its edges follow the full-resolution colours, in bounded time and memory.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy.ndimage import uniform_filter

STRIP_ROWS = 256


def box(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1) square window, per channel, edges replicated."""
    size = (2 * radius + 1, 2 * radius + 1) + (1,) * (values.ndim - 2)
    return uniform_filter(values, size=size, mode="nearest")


def guided_coefficients(
    guide: np.ndarray, source: np.ndarray, *, radius: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Linear coefficients (A: h x w x 3, b: h x w) of a colour-guided filter, box-averaged."""
    guide = guide.astype(np.float32, copy=False)
    source = source.astype(np.float32, copy=False)
    mean_i = box(guide, radius)
    mean_p = box(source, radius)
    cov_ip = box(guide * source[..., None], radius) - mean_i * mean_p[..., None]
    # The 3 x 3 covariance of the guide in each window, regularised by eps.
    sigma = np.empty((*guide.shape[:2], 3, 3), dtype=np.float32)
    for a in range(3):
        for b in range(a, 3):
            cov = box(guide[..., a] * guide[..., b], radius) - mean_i[..., a] * mean_i[..., b]
            sigma[..., a, b] = cov
            sigma[..., b, a] = cov
    sigma += eps * np.eye(3, dtype=np.float32)
    coeff_a = _solve3(sigma, cov_ip)
    coeff_b = mean_p - np.einsum("hwc,hwc->hw", coeff_a, mean_i)
    return box(coeff_a, radius), box(coeff_b, radius)


def _solve3(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``matrix^-1 @ rhs`` for symmetric 3 x 3 matrices per pixel, by cofactors (Cramer's rule):
    the same result as ``np.linalg.solve``, a fraction of its time on a million small systems."""
    m = matrix.astype(np.float64)  # float32 cofactors lose digits on near-singular windows
    c00 = m[..., 1, 1] * m[..., 2, 2] - m[..., 1, 2] * m[..., 2, 1]
    c01 = m[..., 1, 2] * m[..., 2, 0] - m[..., 1, 0] * m[..., 2, 2]
    c02 = m[..., 1, 0] * m[..., 2, 1] - m[..., 1, 1] * m[..., 2, 0]
    c11 = m[..., 0, 0] * m[..., 2, 2] - m[..., 0, 2] * m[..., 2, 0]
    c12 = m[..., 0, 1] * m[..., 2, 0] - m[..., 0, 0] * m[..., 2, 1]
    c22 = m[..., 0, 0] * m[..., 1, 1] - m[..., 0, 1] * m[..., 1, 0]
    det = m[..., 0, 0] * c00 + m[..., 0, 1] * c01 + m[..., 0, 2] * c02
    x, y, z = (rhs[..., c].astype(np.float64) for c in range(3))
    out = np.empty(rhs.shape, dtype=np.float64)
    out[..., 0] = c00 * x + c01 * y + c02 * z
    out[..., 1] = c01 * x + c11 * y + c12 * z
    out[..., 2] = c02 * x + c12 * y + c22 * z
    return (out / det[..., None]).astype(rhs.dtype)


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
