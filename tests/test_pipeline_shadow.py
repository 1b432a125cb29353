"""Shadows under a cut-out: the drop shadow and the photo's own contact shadow."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tools import pipeline
from tools.pipeline.shadow import contact_shadow, drop_shadow

SIZE = (240, 200)
BOX = (90, 40, 150, 140)  # the subject: left, top, right, bottom (off-centre vertically)


def subject_alpha() -> Image.Image:
    alpha = Image.new("L", SIZE, 0)
    ImageDraw.Draw(alpha).rectangle(BOX, fill=255)
    return alpha


def photo() -> Image.Image:
    """A red box on a light grey floor, its shadow under it, and two dark patches that are not
    its shadow: one above it (a picture on the wall) and one far off to the side."""
    image = Image.new("RGB", SIZE, (200, 200, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((80, 128, 160, 156), fill=(110, 110, 110))  # the contact shadow
    draw.rectangle((95, 5, 145, 30), fill=(90, 90, 90))  # above the subject
    draw.rectangle((5, 150, 30, 190), fill=(90, 90, 90))  # far to the side, on the floor
    draw.rectangle(BOX, fill=(200, 30, 40))
    return image


def test_a_drop_shadow_falls_below_the_subject_and_fades():
    shadow = np.asarray(drop_shadow(subject_alpha()))
    top, bottom = BOX[1], BOX[3]
    below, above = shadow[bottom + 3, 120], shadow[top - 3, 120]
    assert 40 < below <= 255 * 0.45 and below > above  # offset downwards
    assert shadow[:10].max() == 0 and shadow[:, :40].max() == 0  # soft, but not everywhere


def test_a_contact_shadow_is_measured_from_the_photo_under_the_subject_only():
    shadow = np.asarray(contact_shadow(photo(), subject_alpha()))
    left, top, right, bottom = BOX
    assert shadow[bottom + 6, 100:140].mean() > 45  # the real shadow, kept
    assert shadow[5:31, 95:146].max() < 5  # the dark patch above: not a shadow of it
    assert shadow[150:191, 5:31].max() < 5  # the patch far to the side: neither
    assert shadow[top + 5 : bottom - 5, left + 5 : right - 5].max() == 0  # never on the subject
    assert shadow[60:100, 200:].max() < 5  # plain floor: nothing


def test_a_contact_shadow_of_nothing_is_empty():
    empty = Image.new("L", SIZE, 0)
    assert np.asarray(contact_shadow(photo(), empty)).max() == 0
    assert np.asarray(drop_shadow(empty)).max() == 0


@pytest.mark.parametrize("kind", ["drop", "contact"])
def test_render_puts_the_shadow_between_background_and_subject(kind):
    cutout = photo().convert("RGBA")
    cutout.putalpha(subject_alpha())
    options = pipeline.build_render_options(bg_color="#ffffff", shadow=kind)
    pixels = np.asarray(pipeline.render(photo(), cutout, options).convert("RGB")).astype(int)
    bottom = BOX[3]
    assert pixels[bottom + 4, 120].max() < 235  # darker than the white background
    assert (pixels[5, 5] == 255).all()  # the background far away is as chosen
    assert tuple(pixels[90, 120]) == (200, 30, 40)  # the subject on top, untouched
    transparent = pipeline.render(photo(), cutout, pipeline.build_render_options(shadow=kind))
    rgba = np.asarray(transparent)
    assert 20 < rgba[bottom + 4, 120, 3] < 255 and rgba[bottom + 4, 120, :3].max() < 10
    assert rgba[5, 5, 3] == 0


def test_cropping_keeps_the_shadow_in_the_frame():
    cutout = photo().convert("RGBA")
    cutout.putalpha(subject_alpha())
    options = pipeline.build_render_options(crop=True, shadow="drop")
    cropped = pipeline.render(photo(), cutout, options)
    assert cropped.height > BOX[3] - BOX[1] + 1  # taller than the subject: the shadow below


def test_an_unknown_shadow_is_refused():
    with pytest.raises(ValueError, match="not a shadow"):
        pipeline.build_render_options(shadow="hard")
    assert pipeline.build_render_options(shadow="none").shadow is None
