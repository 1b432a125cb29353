"""Shadows under a cut-out: the drop shadow cast from the base, and the photo's own contact
shadow kept only where the photo has one."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from tools import pipeline
from tools.pipeline.shadow import DropStyle, contact_shadow, drop_shadow

SIZE = (240, 200)
BOX = (90, 40, 150, 140)  # the subject: left, top, right, bottom (off-centre vertically)


def subject_alpha(box: tuple[int, int, int, int] = BOX, size=SIZE) -> Image.Image:
    alpha = Image.new("L", size, 0)
    ImageDraw.Draw(alpha).rectangle(box, fill=255)
    return alpha


def photo() -> Image.Image:
    """A red box on a light grey floor, its shadow under it, and dark patches that are not its
    shadow: one above it (a picture on the wall), one far off to the side on the floor, and
    one beside it on the floor that does not touch it."""
    image = Image.new("RGB", SIZE, (200, 200, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((80, 128, 160, 156), fill=(110, 110, 110))  # the contact shadow
    draw.rectangle((95, 5, 145, 30), fill=(90, 90, 90))  # above the subject
    draw.rectangle((5, 150, 30, 190), fill=(90, 90, 90))  # far to the side, on the floor
    draw.rectangle(BOX, fill=(200, 30, 40))
    return image


def floating_photo() -> Image.Image:
    """The same box with no shadow under it, and a dark smudge beside it that does not touch
    it: nothing there is its shadow."""
    image = Image.new("RGB", SIZE, (200, 200, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((175, 120, 215, 150), fill=(110, 110, 110))  # beside, not touching
    draw.rectangle(BOX, fill=(200, 30, 40))
    return image


def outside(shadow: Image.Image, box=BOX) -> np.ndarray:
    """The shadow where the subject does not cover it, as floats."""
    values = np.asarray(shadow, dtype=float).copy()
    values[box[1] : box[3] + 1, box[0] : box[2] + 1] = 0
    return values


def test_a_drop_shadow_falls_from_the_base_in_its_direction():
    left, top, right, bottom = BOX
    right_ward = outside(drop_shadow(subject_alpha(), DropStyle(angle=90, length=60)))
    # Laid on the floor to the right of the base, not a glow around the outline.
    assert right_ward[bottom - 6 : bottom + 1, right + 3 : right + 15].mean() > 30
    assert right_ward[:, right:].sum() > 10 * right_ward[:, :left].sum()
    assert right_ward[: bottom - 30].max() < 5  # nothing beside the upper part, nor above
    left_ward = outside(drop_shadow(subject_alpha(), DropStyle(angle=-90, length=60)))
    assert left_ward[bottom - 6 : bottom + 1, left - 15 : left - 3].mean() > 30
    assert left_ward[:, :left].sum() > 10 * left_ward[:, right:].sum()
    back = outside(drop_shadow(subject_alpha(), DropStyle(angle=30, length=60)))
    assert back[: top - 5].max() < 5 and back[: bottom - 10, :left].max() < 5  # short of the top
    forward = outside(drop_shadow(subject_alpha(), DropStyle(angle=180, length=40)))
    assert forward[bottom + 8 : bottom + 20, left:right].mean() > 30  # towards the viewer
    assert forward[: bottom - 10].max() < 5


def test_a_drop_shadow_fades_and_softens_with_the_distance():
    right = BOX[2]
    shadow = outside(drop_shadow(subject_alpha(), DropStyle(angle=90, length=100)))
    near, far = shadow[:, right + 1 : right + 11].sum(), shadow[:, right + 50 : right + 60].sum()
    assert near > 2 * far > 0  # darkest at the base, fading away from it
    crisp = np.asarray(drop_shadow(subject_alpha(), DropStyle(angle=90, softness=0)), float)
    soft = np.asarray(drop_shadow(subject_alpha(), DropStyle(angle=90, softness=100)), float)
    assert np.abs(np.diff(crisp, axis=0)).max() > 1.5 * np.abs(np.diff(soft, axis=0)).max()


def test_each_subject_casts_its_shadow_from_its_own_base():
    alpha = subject_alpha((20, 20, 60, 80))
    ImageDraw.Draw(alpha).rectangle((140, 90, 180, 170), fill=255)  # lower down, on the right
    shadow = np.asarray(drop_shadow(alpha, DropStyle(angle=90, length=60)))
    assert shadow[75:80, 62:72].mean() > 30 and shadow[165:170, 182:192].mean() > 30
    assert shadow[100:150, 62:100].max() < 5  # the upper one's shadow stays at its own base


def test_a_contact_shadow_is_measured_from_the_photo_under_the_subject_only():
    shadow = np.asarray(contact_shadow(photo(), subject_alpha()))
    left, top, right, bottom = BOX
    assert shadow[bottom + 6, 100:140].mean() > 45  # the real shadow, kept
    assert shadow[5:31, 95:146].max() < 5  # the dark patch above: not a shadow of it
    assert shadow[150:191, 5:31].max() < 5  # the patch far to the side: neither
    assert shadow[top + 5 : bottom - 5, left + 5 : right - 5].max() == 0  # never on the subject
    assert shadow[60:100, 200:].max() < 5  # plain floor: nothing


def test_no_contact_shadow_where_the_photo_has_none():
    # A subject on a plain floor, with a dark smudge beside it that does not touch it.
    assert np.asarray(contact_shadow(floating_photo(), subject_alpha())).max() == 0
    # A subject that reaches the bottom of the photo stands on no floor in it.
    portrait = subject_alpha((60, 30, 180, SIZE[1] - 1))
    dark_sides = photo()
    ImageDraw.Draw(dark_sides).rectangle((0, 150, SIZE[0], SIZE[1]), fill=(90, 90, 90))
    assert np.asarray(contact_shadow(dark_sides, portrait)).max() == 0


def test_a_shadow_of_nothing_is_empty():
    empty = Image.new("L", SIZE, 0)
    assert np.asarray(contact_shadow(photo(), empty)).max() == 0
    assert np.asarray(drop_shadow(empty)).max() == 0


def mug_scene(with_shadow: bool) -> Image.Image:
    """A product photo: a blue mug on a light table, with or without its shadow under it."""
    image = Image.new("RGB", (320, 240), (222, 218, 212))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 132, 320, 240), fill=(200, 195, 188))  # the table
    if with_shadow:
        shade = Image.new("L", image.size, 0)
        ImageDraw.Draw(shade).ellipse((105, 186, 235, 208), fill=150)
        image = Image.composite(
            Image.new("RGB", image.size, (70, 65, 60)), image, shade.filter(ImageFilter.BoxBlur(5))
        )
        draw = ImageDraw.Draw(image)
    draw.ellipse((182, 105, 228, 165), outline=(30, 90, 170), width=9)  # the handle
    draw.rounded_rectangle((110, 80, 200, 197), radius=11, fill=(30, 90, 170))
    draw.ellipse((110, 74, 200, 89), fill=(20, 60, 120))
    return image


def test_on_a_product_photo_the_real_shadow_is_kept_only_when_there_is_one():
    """The real model on a mug with and without its shadow on the table."""
    found = {}
    for with_shadow in (True, False):
        image = mug_scene(with_shadow)
        cutout = pipeline.remove_background(image, model="u2netp", matting=False).cutout
        found[with_shadow] = np.asarray(contact_shadow(image, cutout.getchannel("A")))
    assert found[True][198:206, 120:190].mean() > 30  # under the mug: kept
    assert found[False].max() < 8  # no shadow in the photo: none added


@pytest.mark.parametrize("kind", ["drop", "contact"])
def test_render_puts_the_shadow_between_background_and_subject(kind):
    cutout = photo().convert("RGBA")
    cutout.putalpha(subject_alpha())
    options = pipeline.build_render_options(bg_color="#ffffff", shadow=kind, shadow_angle=180)
    pixels = np.asarray(pipeline.render(photo(), cutout, options).convert("RGB")).astype(int)
    bottom = BOX[3]
    assert pixels[bottom + 4, 120].max() < 235  # darker than the white background
    assert (pixels[5, 5] == 255).all()  # the background far away is as chosen
    assert tuple(pixels[90, 120]) == (200, 30, 40)  # the subject on top, untouched
    options = pipeline.build_render_options(shadow=kind, shadow_angle=180)
    rgba = np.asarray(pipeline.render(photo(), cutout, options))
    assert 20 < rgba[bottom + 4, 120, 3] < 255 and rgba[bottom + 4, 120, :3].max() < 10
    assert rgba[5, 5, 3] == 0


def test_with_crop_and_shadow_the_mask_has_the_image_size_and_registration():
    cutout = photo().convert("RGBA")
    cutout.putalpha(subject_alpha())
    settings = {"crop": True, "margin": 4, "shadow": "drop", "shadow_angle": 120}
    image = pipeline.render(photo(), cutout, pipeline.build_render_options(**settings))
    assert image.height > BOX[3] - BOX[1] + 9  # the shadow is in the frame
    mask_options = pipeline.build_render_options(**settings, subject_only=True)
    mask = pipeline.render(photo(), cutout, mask_options)
    assert mask.size == image.size
    solid = np.asarray(mask.getchannel("A")) == 255
    assert (np.asarray(image.getchannel("A"))[solid] == 255).all()  # the same place
    assert (np.asarray(image.convert("RGB"))[solid] == (200, 30, 40)).all()
    assert (
        np.asarray(mask.getchannel("A")).max() == 255 and mask.getchannel("A").getextrema()[0] == 0
    )
    shadow_only = np.asarray(image.getchannel("A")) > 0
    assert (shadow_only & ~solid).any() and not (
        np.asarray(mask.getchannel("A"))[~shadow_only]
    ).any()


def test_bad_shadow_settings_are_refused_with_their_field():
    with pytest.raises(pipeline.OptionError, match="not a shadow"):
        pipeline.build_render_options(shadow="hard")
    assert pipeline.build_render_options(shadow="none").shadow is None
    for name, value in (("angle", 181), ("length", -1), ("softness", "soft"), ("angle", "nan")):
        with pytest.raises(pipeline.OptionError) as caught:
            pipeline.build_render_options(shadow="drop", **{f"shadow_{name}": value})
        assert caught.value.field == f"shadow_{name}"
    style = pipeline.build_render_options(shadow="drop", shadow_length=80).shadow_style
    assert style == DropStyle(length=80)
