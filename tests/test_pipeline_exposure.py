"""The model's copy of a photo (``exposure.model_view``): normal photos pass unchanged, an
over-exposed one is brought back so that the real model finds the same subject."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.lighting import relight
from tools.pipeline.exposure import model_view
from tools.pipeline.segment import predict_saliency

SAMPLES = Path(__file__).resolve().parents[1] / "static" / "samples"


def sample(name: str) -> Image.Image:
    return Image.open(SAMPLES / f"{name}.jpg").convert("RGB")


@pytest.mark.parametrize("name", ["cat", "astronaut", "coffee", "rocket"])
def test_a_normal_photo_reaches_the_model_unchanged(name):
    image = sample(name)
    assert model_view(image) is image


def test_an_over_exposed_photo_gives_the_map_of_the_original():
    # The cat at x1.6, clipped: the map of the model's copy must stay near the original's.
    # Measured: 0.033 (unchanged copy 0.048); the old gamma (median to 0.45) gave 0.152.
    image = sample("cat")
    reference = predict_saliency(image, size=image.size)
    bright = relight(image, "bright")
    view = model_view(bright)
    assert view is not bright
    assert np.abs(predict_saliency(view, size=image.size) - reference).mean() < 0.045


def test_an_under_exposed_photo_is_brightened_for_the_model():
    image = relight(sample("coffee"), "dark")
    view = model_view(image)
    assert np.asarray(view).mean() > 1.8 * np.asarray(image).mean()
