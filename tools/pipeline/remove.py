"""remove_background: segmentation, matting and foreground colours, end to end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .errors import NoSubjectFound
from .exposure import model_view
from .guided import guided_upsample, upsample_delta
from .manifest import DEFAULT_MODEL, get_spec
from .matte import (
    DEFAULT_PARAMS,
    MatteParams,
    estimate_foreground,
    matte,
    sharpen,
)
from .parallel import side_by_side
from .segment import predict_saliency
from .subjects import has_subject

# Matting runs at most at this long side; larger images get their alpha by guided upsampling.
WORK_SIDE = 1024
GUIDE_RADIUS = 1  # in working pixels
GUIDE_EPS = 1e-5


@dataclass
class Cutout:
    original: Image.Image  # RGB, the input
    alpha: Image.Image  # "L", same size, the final alpha
    cutout: Image.Image  # "RGBA", estimated foreground colours + alpha (no halo)


def working_image(image: Image.Image, side: int = WORK_SIDE) -> Image.Image:
    """``image`` scaled down so its long side is at most ``side`` (the same object if it fits)."""
    width, height = image.size
    scale = side / max(width, height)
    if scale >= 1.0:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def to_float(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32) * np.float32(1 / 255)


def to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(values * 255.0 + 0.5, 0, 255).astype(np.uint8)


def model_source(
    image: Image.Image, work: Image.Image, model: str, *, view: bool = True
) -> Image.Image:
    """What the model sees: the working image when it is at least the model's input size (the
    same pixels, cheaper to resize), else the full image (its map never loses detail to
    matting's cap); with ``view``, normalised for exposure and colour cast (``exposure.py``)."""
    source = work if max(work.size) >= get_spec(model).input_size else image
    return model_view(source) if view else source


def remove_background(
    image: Image.Image,
    *,
    model: str = DEFAULT_MODEL,
    matting: bool = True,
    params: MatteParams = DEFAULT_PARAMS,
    work_side: int = WORK_SIDE,
    on_stage: Callable[[str], None] | None = None,
) -> Cutout:
    """Cut the salient subject out of an RGB image.

    Without ``matting`` the alpha is the model's saliency map scaled up (with more contrast);
    foreground colours are estimated either way, so edges carry no halo of the old background.
    ``work_side`` caps the side matting runs at (the benchmark lowers it to score the guided
    upsampling on small images).
    ``on_stage`` is told "matting" once the subject is found (for a progress display).
    Raises :class:`NoSubjectFound` when the map holds no subject (``subjects.has_subject``).
    """
    if image.mode != "RGB":
        image = image.convert("RGB")
    work = working_image(image, work_side)
    pixels = to_float(work)
    source = model_source(image, work, model)
    saliency = predict_saliency(source, model=model, size=work.size)
    if not has_subject(saliency):
        raise NoSubjectFound()
    if on_stage is not None:
        on_stage("matting")
    alpha = matte(pixels, saliency, params) if matting else sharpen(saliency, params)
    if work is image:
        foreground = estimate_foreground(pixels, alpha)
        alpha_full = to_uint8(alpha)
        rgb = to_uint8(foreground)
    else:  # the two need only the working-size alpha: side by side (both let go of the GIL)
        foreground, upsampled = side_by_side(
            [
                lambda: estimate_foreground(pixels, alpha),
                lambda: guided_upsample(pixels, alpha, image, radius=GUIDE_RADIUS, eps=GUIDE_EPS),
            ]
        )
        alpha_full = to_uint8(upsampled)
        rgb = upsample_delta(foreground, pixels, image)
    rgb[alpha_full == 0] = 0
    alpha_image = Image.fromarray(alpha_full, "L")
    cutout = Image.fromarray(rgb, "RGB")
    cutout.putalpha(alpha_image)
    return Cutout(original=image, alpha=alpha_image, cutout=cutout)
