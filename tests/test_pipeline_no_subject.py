"""No subject found: a uniform photo is refused with a clear message (real IS-Net); photos
with a subject, however plain, are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tools.pipeline import NoSubjectFound, PipelineError, remove_background

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def uniform(noise: float = 0.0) -> Image.Image:
    rng = np.random.default_rng(0)
    pixels = np.array([40, 90, 200], np.float32) + rng.normal(0, noise, (240, 320, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("noise", [0.0, 8.0])
def test_a_uniform_photo_is_no_subject(noise):
    with pytest.raises(NoSubjectFound) as info:
        remove_background(uniform(noise))
    assert isinstance(info.value, PipelineError)
    assert str(info.value).startswith("No subject found")


def two_tone() -> Image.Image:
    """A dark silhouette on white: two colours only."""
    image = Image.new("RGB", (320, 240), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 40, 190, 100), fill=(20, 20, 30))
    draw.rounded_rectangle((110, 100, 210, 220), 25, fill=(20, 20, 30))
    return image


def white_on_white() -> Image.Image:
    """A white box with a faint outline and shadow on a white table."""
    image = Image.new("RGB", (320, 240), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.ellipse((115, 190, 205, 205), fill=(215, 215, 215))
    draw.rounded_rectangle((110, 60, 210, 200), 15, fill=(255, 255, 255), outline=(225,) * 3)
    return image


def all_subject() -> Image.Image:
    """The cat's fur filling the frame."""
    with Image.open(FIXTURES / "chelsea.jpg") as photo:
        width, height = photo.size
        return photo.convert("RGB").crop((width // 4, height // 4, 3 * width // 4, 3 * height // 4))


@pytest.mark.parametrize("make", [two_tone, white_on_white, all_subject])
def test_a_plain_subject_is_still_a_subject(make):
    alpha = np.asarray(remove_background(make()).alpha)
    assert (alpha > 127).mean() > 0.05
