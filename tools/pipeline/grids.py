"""Array helpers for matting on a grid: float resizing, block pooling, a coarse distance test.

Plain numpy, scipy and Pillow on 2-d (or h x w x c) float arrays, shared by ``matte.py``.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy.ndimage import distance_transform_edt


def resize(values: np.ndarray, size: tuple[int, int], resample: Image.Resampling) -> np.ndarray:
    """Resize each channel of a float array to ``size`` (width, height)."""
    planes = values[..., None] if values.ndim == 2 else values
    out = np.stack(
        [
            np.asarray(
                Image.fromarray(np.ascontiguousarray(planes[..., c], dtype=np.float32), "F").resize(
                    size, resample
                ),
                dtype=np.float32,
            )
            for c in range(planes.shape[-1])
        ],
        axis=-1,
    )
    return out[..., 0] if values.ndim == 2 else out


def pool(values: np.ndarray, step: int, reduce: str = "mean") -> np.ndarray:
    """``values`` reduced by ``step`` x ``step`` blocks (edge blocks padded by replication)."""
    height, width = values.shape
    rows, cols = -(-height // step), -(-width // step)
    padded = np.pad(values, ((0, rows * step - height), (0, cols * step - width)), mode="edge")
    blocks = padded.reshape(rows, step, cols, step)
    return blocks.max(axis=(1, 3)) if reduce == "max" else blocks.mean(axis=(1, 3))


def far_from(mask: np.ndarray, reach: float) -> np.ndarray:
    """Pixels farther than ``reach`` from every pixel of ``mask``.

    The distance is taken on a grid reduced so that ``reach`` spans about 8 cells (a cell is in
    the mask when any of its pixels is): the full-size transform cost a third of matting at
    1024 px; this one errs by at most a cell's diagonal either way (4 px of the 31 at 1024 px).
    """
    step = max(1, int(reach // 8))
    if step == 1:
        return distance_transform_edt(~mask) > reach
    coarse = pool(mask, step, "max").astype(bool)
    distance = distance_transform_edt(~coarse) * step
    far = np.repeat(np.repeat(distance > reach, step, axis=0), step, axis=1)
    return far[: mask.shape[0], : mask.shape[1]]
