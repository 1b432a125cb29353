"""Saliency maps from the segmentation model: the image in, a float map in [0, 1] out.

Each model's preprocessing comes from its ``Preprocess`` in the manifest: a resize to the
model's square input, division by 255 or by the image maximum (U2-Net's reference code), a
per-channel mean and standard deviation; the first output becomes a map by the model's
activation (min-max with an epsilon, so a flat prediction gives zeros, never NaN).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .manifest import DEFAULT_MODEL, get_spec
from .sessions import get_session

EPSILON = 1e-6


def preprocess(image: Image.Image, *, model: str) -> np.ndarray:
    """Return the model input (1, 3, S, S) float32 for an RGB image."""
    prep = get_spec(model).preprocess
    side = prep.input_size
    small = image.convert("RGB").resize((side, side), Image.Resampling.LANCZOS)
    pixels = np.asarray(small, dtype=np.float32)
    divisor = max(float(pixels.max()), EPSILON) if prep.divide_by == "max" else 255.0
    pixels /= np.float32(divisor)
    pixels -= np.asarray(prep.mean, dtype=np.float32)
    pixels /= np.asarray(prep.std, dtype=np.float32)
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[np.newaxis])


def normalise(prediction: np.ndarray) -> np.ndarray:
    """Min-max normalise to [0, 1] as float32; a flat input gives zeros."""
    prediction = np.nan_to_num(prediction.astype(np.float32))
    low, high = float(prediction.min()), float(prediction.max())
    return np.clip((prediction - low) / max(high - low, EPSILON), 0.0, 1.0)


def activate(prediction: np.ndarray, *, model: str) -> np.ndarray:
    """The model's first output as a float32 map in [0, 1], by its activation."""
    activation = get_spec(model).preprocess.activation
    if activation == "minmax":
        return normalise(prediction)
    prediction = np.nan_to_num(prediction.astype(np.float32))
    if activation == "sigmoid":
        prediction = 1.0 / (1.0 + np.exp(-prediction))
    return np.clip(prediction, 0.0, 1.0)


def predict_raw(image: Image.Image, *, model: str = DEFAULT_MODEL) -> np.ndarray:
    """The model's prediction at its input size (S, S), float32 in [0, 1]."""
    batch = preprocess(image, model=model)
    session = get_session(model)
    feed = {session.get_inputs()[0].name: batch}
    output = session.get_outputs()[0].name
    return activate(session.run([output], feed)[0][0, 0], model=model)


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
    model: str = DEFAULT_MODEL,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """The saliency map at ``size`` (default: the image's size), float32 in [0, 1]."""
    return resize_map(predict_raw(image, model=model), size or image.size)
