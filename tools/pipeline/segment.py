"""Saliency maps from U2-Net: the image in, a float map in [0, 1] out.

Preprocessing follows rembg (and U2-Net's own code): a LANCZOS resize to the model's input
size, division by the image maximum, ImageNet mean and standard deviation; the prediction is
min-max normalised with an epsilon, so a flat prediction gives zeros, never NaN.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .manifest import get_spec
from .sessions import get_session

EPSILON = 1e-6


def preprocess(image: Image.Image, *, model: str) -> np.ndarray:
    """Return the model input (1, 3, S, S) float32 for an RGB image."""
    spec = get_spec(model)
    side = spec.input_size
    small = image.convert("RGB").resize((side, side), Image.Resampling.LANCZOS)
    pixels = np.asarray(small, dtype=np.float32)
    pixels /= max(float(pixels.max()), EPSILON)
    pixels -= np.asarray(spec.mean, dtype=np.float32)
    pixels /= np.asarray(spec.std, dtype=np.float32)
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[np.newaxis])


def normalise(prediction: np.ndarray) -> np.ndarray:
    """Min-max normalise to [0, 1] as float32; a flat input gives zeros."""
    prediction = np.nan_to_num(prediction.astype(np.float32))
    low, high = float(prediction.min()), float(prediction.max())
    return np.clip((prediction - low) / max(high - low, EPSILON), 0.0, 1.0)


def _run(model: str, batch: np.ndarray) -> np.ndarray:
    session = get_session(model)
    name = session.get_inputs()[0].name
    return session.run(None, {name: batch})[0][0, 0]


def predict_raw(image: Image.Image, *, model: str = "u2net", flip: bool = False) -> np.ndarray:
    """The model's normalised prediction at its input size (S, S), float32 in [0, 1].

    With ``flip`` the prediction of the mirrored image is averaged in (twice the cost).
    """
    batch = preprocess(image, model=model)
    prediction = _run(model, batch)
    if flip:
        mirrored = _run(model, np.ascontiguousarray(batch[..., ::-1]))
        prediction = (prediction + mirrored[:, ::-1]) / 2.0
    return normalise(prediction)


def resize_map(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a float map to ``size`` (width, height) with a bilinear filter."""
    if (values.shape[1], values.shape[0]) == size:
        return values.astype(np.float32, copy=False)
    resized = Image.fromarray(values.astype(np.float32), "F").resize(
        size, Image.Resampling.BILINEAR
    )
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def predict_saliency(
    image: Image.Image,
    *,
    model: str = "u2net",
    size: tuple[int, int] | None = None,
    flip: bool = False,
) -> np.ndarray:
    """The saliency map at ``size`` (default: the image's size), float32 in [0, 1]."""
    return resize_map(predict_raw(image, model=model, flip=flip), size or image.size)
