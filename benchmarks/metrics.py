"""Alpha-matte quality metrics, in the conventions of the matting and saliency literature.

Every function takes a prediction and a ground truth of the same shape, either 8-bit arrays
(0..255) or float arrays already in 0..1. No Django, no rembg: plain numpy and scipy.

- MAE: mean absolute error of alpha in 0..1.
- SAD: sum of absolute differences of alpha in 0..1, divided by 1000 (alphamatting.com).
- Grad: Rhemann et al. (CVPR 2009) gradient error: gradients by first-order Gaussian derivative
  filters (sigma 1.4, kernels built and L2-normalised as in the benchmark's Matlab
  ``gaussgradient``), sum of squared differences of the gradient magnitudes, divided by 1000.
  Computed over the whole image (there is no trimap here).
- maxF: saliency F-measure with beta^2 = 0.3, maximised over the thresholds 0..255 of the 8-bit
  prediction (pred >= t); the ground truth is binarised at 0.5.
- IoU: intersection over union of the prediction and the ground truth, both binarised at 0.5.
- maxF (dataset): the usual salient-object convention: the F-measure curve over the 256
  thresholds averaged over the images, then its maximum (``f_curve`` per image; the benchmark
  averages and takes the max).
- Edge MAE: MAE restricted to the pixels within ``band`` (15) px of the ground-truth edge: the
  binary ground truth dilated by the band minus it eroded by the band, via distance transforms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

BETA2 = 0.3
GRAD_SIGMA = 1.4
EDGE_BAND_PX = 15
EPS = 1e-8


def to_unit(array: np.ndarray) -> np.ndarray:
    """An alpha as float64 in 0..1: uint8 is divided by 255, floats are checked and kept."""
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"expected a single-channel 2-D alpha, got shape {array.shape}")
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 255.0
    out = array.astype(np.float64)
    if out.size and (out.min() < -1e-6 or out.max() > 1 + 1e-6):
        raise ValueError("float alpha must be in 0..1")
    return np.clip(out, 0.0, 1.0)


def to_u8(array: np.ndarray) -> np.ndarray:
    """An alpha as uint8 0..255 (rounded), for threshold sweeps."""
    array = np.asarray(array)
    if array.dtype == np.uint8:
        return array
    return np.round(to_unit(array) * 255).astype(np.uint8)


def _pair(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p, g = to_unit(pred), to_unit(gt)
    if p.shape != g.shape:
        raise ValueError(f"prediction {p.shape} and ground truth {g.shape} differ in size")
    return p, g


def mae(pred: np.ndarray, gt: np.ndarray) -> float:
    p, g = _pair(pred, gt)
    return float(np.mean(np.abs(p - g)))


def sad(pred: np.ndarray, gt: np.ndarray) -> float:
    p, g = _pair(pred, gt)
    return float(np.sum(np.abs(p - g)) / 1000.0)


def gaussian_gradient_kernels(sigma: float = GRAD_SIGMA) -> tuple[np.ndarray, np.ndarray]:
    """The x and y derivative-of-Gaussian kernels of the alphamatting.com Matlab code."""
    epsilon = 1e-2
    half = int(np.ceil(sigma * np.sqrt(-2 * np.log(np.sqrt(2 * np.pi) * sigma * epsilon))))
    u = np.arange(-half, half + 1, dtype=np.float64)
    gauss = np.exp(-(u**2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))
    dgauss = -u * gauss / sigma**2
    # hx[i, j] = gauss(u_i) * dgauss(u_j): smooth along rows, differentiate along columns.
    hx = np.outer(gauss, dgauss)
    hx /= np.sqrt(np.sum(hx * hx))
    return hx, hx.T


def gradient_magnitude(alpha: np.ndarray, sigma: float = GRAD_SIGMA) -> np.ndarray:
    hx, hy = gaussian_gradient_kernels(sigma)
    a = to_unit(alpha)
    # Matlab's imfilter(..., 'replicate', 'conv') is a true convolution with edge replication.
    gx = ndimage.convolve(a, hx, mode="nearest")
    gy = ndimage.convolve(a, hy, mode="nearest")
    return np.sqrt(gx * gx + gy * gy)


def grad_error(pred: np.ndarray, gt: np.ndarray, sigma: float = GRAD_SIGMA) -> float:
    p, g = _pair(pred, gt)
    diff = gradient_magnitude(p, sigma) - gradient_magnitude(g, sigma)
    return float(np.sum(diff * diff) / 1000.0)


def max_f(pred: np.ndarray, gt: np.ndarray, beta2: float = BETA2) -> float:
    """Maximum F-beta over the thresholds t = 0..255 (positive where pred >= t)."""
    return float(f_curve(pred, gt, beta2).max())


def f_curve(pred: np.ndarray, gt: np.ndarray, beta2: float = BETA2) -> np.ndarray:
    """F-beta at each threshold t = 0..255 of the 8-bit prediction (positive where pred >= t)."""
    p8 = to_u8(pred)
    g = to_unit(gt) >= 0.5
    if p8.shape != g.shape:
        raise ValueError(f"prediction {p8.shape} and ground truth {g.shape} differ in size")
    fg_hist = np.bincount(p8[g].ravel(), minlength=256).astype(np.float64)
    bg_hist = np.bincount(p8[~g].ravel(), minlength=256).astype(np.float64)
    # tp[t] = GT-positive pixels with pred >= t: a reversed cumulative sum.
    tp = np.cumsum(fg_hist[::-1])[::-1]
    fp = np.cumsum(bg_hist[::-1])[::-1]
    positives = float(g.sum())
    precision = tp / (tp + fp + EPS)
    recall = tp / (positives + EPS)
    return (1 + beta2) * precision * recall / (beta2 * precision + recall + EPS)


def iou(pred: np.ndarray, gt: np.ndarray) -> float:
    """Intersection over union of prediction and ground truth binarised at 0.5 (1 if both empty)."""
    p, g = _pair(pred, gt)
    p, g = p >= 0.5, g >= 0.5
    union = np.logical_or(p, g).sum()
    return float(np.logical_and(p, g).sum() / union) if union else 1.0


def edge_band(gt: np.ndarray, band: int = EDGE_BAND_PX) -> np.ndarray:
    """Pixels within ``band`` px (Euclidean) of the edge of the ground truth binarised at 0.5."""
    g = to_unit(gt) >= 0.5
    if g.all() or not g.any():
        return np.zeros(g.shape, dtype=bool)
    # Distance from each foreground pixel to the nearest background pixel, and vice versa.
    inside = ndimage.distance_transform_edt(g)
    outside = ndimage.distance_transform_edt(~g)
    return (g & (inside <= band)) | (~g & (outside <= band))


def edge_mae(pred: np.ndarray, gt: np.ndarray, band: int = EDGE_BAND_PX) -> float:
    p, g = _pair(pred, gt)
    mask = edge_band(g, band)
    if not mask.any():
        return float("nan")
    return float(np.mean(np.abs(p[mask] - g[mask])))


@dataclass(frozen=True)
class Scores:
    mae: float
    sad: float
    grad: float
    max_f: float
    edge_mae: float
    iou: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


METRIC_NAMES: tuple[str, ...] = ("mae", "sad", "grad", "max_f", "edge_mae", "iou")
# True where a larger value is better (maxF and IoU).
HIGHER_IS_BETTER: dict[str, bool] = {name: name in ("max_f", "iou") for name in METRIC_NAMES}


def score(pred: np.ndarray, gt: np.ndarray) -> Scores:
    """All six metrics for one image."""
    p, g = _pair(pred, gt)
    return Scores(
        mae=mae(p, g),
        sad=sad(p, g),
        grad=grad_error(p, g),
        max_f=max_f(p, g),
        edge_mae=edge_mae(p, g),
        iou=iou(p, g),
    )
