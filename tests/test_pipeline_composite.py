"""tools.pipeline compositing, subjects, options and encoding (generated cutouts, no model)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.synthetic import soft_square_cutout
from tools.pipeline import (
    OptionError,
    RenderOptions,
    build_render_options,
    cover_fit,
    encode,
    find_subjects,
    parse_hex_color,
    parse_margin,
    parse_size,
    render,
    subject_bbox,
)

ORIGINAL = Image.new("RGB", (200, 100), (250, 250, 250))


def opaque(image: Image.Image) -> bool:
    return image.mode == "RGB" or image.getchannel("A").getextrema() == (255, 255)


def test_transparent_output_keeps_the_cutout():
    cutout = soft_square_cutout()
    out = render(ORIGINAL, cutout, RenderOptions())
    assert out.mode == "RGBA" and out.size == (200, 100)
    assert out.getpixel((0, 0))[3] == 0
    assert out.getpixel((70, 40)) == (20, 160, 60, 255)


def test_a_colour_background_leaves_no_transparent_pixels():
    out = render(ORIGINAL, soft_square_cutout(), RenderOptions(bg_color=(0, 0, 255, 255)))
    assert opaque(out)
    assert out.getpixel((0, 0)) == (0, 0, 255, 255)
    assert out.getpixel((70, 40)) == (20, 160, 60, 255)


def test_an_image_background_is_cover_fitted_without_transparency():
    background = Image.new("RGB", (50, 400), (200, 0, 0))
    out = render(ORIGINAL, soft_square_cutout(), RenderOptions(bg_image=background))
    assert opaque(out) and out.size == (200, 100)
    assert out.getpixel((0, 0))[:3] == (200, 0, 0)


def test_cover_fit_scales_without_distortion_and_centre_crops():
    stripes = Image.new("RGB", (100, 100), (255, 255, 255))
    ImageDraw.Draw(stripes).rectangle((0, 0, 99, 24), fill=(0, 0, 0))  # top quarter black
    fitted = cover_fit(stripes, (200, 50))  # scaled to 200 x 200, rows 75-125 kept
    assert fitted.size == (200, 50)
    assert fitted.getpixel((100, 25)) == (255, 255, 255)
    tall = cover_fit(stripes, (50, 200))
    assert tall.size == (50, 200)
    assert tall.getpixel((25, 10)) == (0, 0, 0)


def test_a_blurred_background_is_opaque_and_blurred():
    original = Image.new("RGB", (200, 100), (0, 0, 0))
    ImageDraw.Draw(original).rectangle((0, 0, 99, 99), fill=(255, 255, 255))
    out = render(original, soft_square_cutout(box=(150, 10, 190, 40)), RenderOptions(blur=10))
    assert opaque(out)
    assert 0 < out.getpixel((100, 80))[0] < 255  # the hard edge at x=100 is smoothed


def test_crop_with_margin_gives_the_expected_box():
    cutout = soft_square_cutout(box=(50, 20, 90, 60))
    _, _, width, height = subject_bbox(cutout.getchannel("A"))
    out = render(ORIGINAL, cutout, RenderOptions(crop=True, margin=10))
    assert out.size == (width + 20, height + 20)
    assert out.getpixel((10, 10 + height // 2))[3] > 0
    assert out.getpixel((0, 0))[3] == 0


def test_crop_margin_is_clamped_to_the_image():
    cutout = soft_square_cutout(box=(5, 5, 40, 40))
    out = render(ORIGINAL, cutout, RenderOptions(crop=True, margin=50))
    left, top, width, height = subject_bbox(cutout.getchannel("A"))
    assert out.size == (left + width + 50, top + height + 50)


def test_size_fits_the_subject_into_a_square_canvas():
    cutout = soft_square_cutout(box=(50, 20, 130, 60))  # wider than tall
    out = render(ORIGINAL, cutout, RenderOptions(size=(300, 300), bg_color=(255, 255, 255, 255)))
    assert out.size == (300, 300) and opaque(out)
    assert out.getpixel((150, 150))[:3] == (20, 160, 60)
    assert out.getpixel((150, 5))[:3] == (255, 255, 255)


def two_subjects() -> Image.Image:
    alpha = Image.new("L", (200, 100), 0)
    draw = ImageDraw.Draw(alpha)
    draw.rectangle((10, 10, 69, 89), fill=255)  # big: 60 x 80
    draw.ellipse((120, 30, 159, 69), fill=255)  # small: 40 x 40
    draw.point((190, 5), fill=255)  # a speck under the minimum area
    return alpha


def test_find_subjects_lists_regions_in_reading_order_with_boxes():
    subjects = find_subjects(two_subjects())
    assert [s.index for s in subjects] == [0, 1]
    assert subjects[0].box == (10, 10, 60, 80) and subjects[0].area == 4800
    assert subjects[1].box == (120, 30, 40, 40)
    assert subjects[0].area > subjects[1].area


def test_keep_subjects_clears_the_others():
    cutout = Image.new("RGBA", (200, 100), (255, 0, 0, 0))
    cutout.putalpha(two_subjects())
    out = render(ORIGINAL, cutout, RenderOptions(keep_subjects=(1,)))
    assert out.getpixel((40, 50))[3] == 0
    assert out.getpixel((140, 50))[3] == 255
    cropped = render(ORIGINAL, cutout, RenderOptions(keep_subjects=(1,), crop=True))
    assert cropped.size == (40, 40)


def test_subject_bbox_is_none_for_an_empty_alpha():
    assert subject_bbox(Image.new("L", (10, 10), 0)) is None
    assert find_subjects(Image.new("L", (10, 10), 0)) == []


@pytest.mark.parametrize(
    ("text", "rgba"),
    [
        ("#fff", (255, 255, 255, 255)),
        ("#0a84ff", (10, 132, 255, 255)),
        ("#0a84ff80", (10, 132, 255, 128)),
        ("00FF00", (0, 255, 0, 255)),
    ],
)
def test_parse_hex_color(text, rgba):
    assert parse_hex_color(text) == rgba


@pytest.mark.parametrize("text", ["", "#ff", "#gggggg", "red", "#12345"])
def test_parse_hex_color_rejects_bad_input(text):
    with pytest.raises(ValueError, match="hex"):
        parse_hex_color(text)


def test_build_render_options_turns_raw_values_into_options():
    options = build_render_options(bg_color="#000", crop=True, margin="12", size="1080x1080")
    assert options == RenderOptions(
        bg_color=(0, 0, 0, 255), crop=True, margin=12, size=(1080, 1080)
    )
    assert build_render_options() == RenderOptions()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bg_color": "#fff", "blur": 5},
        {"margin": -1},
        {"blur": 1000},
        {"size": "0x10"},
        {"size": "big"},
        {"bg_color": "blue"},
    ],
)
def test_build_render_options_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        build_render_options(**kwargs)


@pytest.mark.parametrize(
    ("fmt", "mode", "magic"),
    [("png", "RGBA", b"\x89PNG"), ("webp", "RGBA", b"RIFF"), ("jpg", "RGB", b"\xff\xd8")],
)
def test_encode_formats(fmt, mode, magic):
    data = encode(soft_square_cutout(), fmt)
    assert data.startswith(magic)
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.mode == mode and decoded.size == (200, 100)


def test_jpeg_flattens_on_white_and_mask_is_the_alpha():
    cutout = soft_square_cutout()
    with Image.open(io.BytesIO(encode(cutout, "jpg"))) as jpeg:
        assert all(v > 245 for v in jpeg.getpixel((2, 2)))
    with Image.open(io.BytesIO(encode(cutout, "mask"))) as mask:
        assert mask.mode == "L"
        assert np.array_equal(np.asarray(mask), np.asarray(cutout.getchannel("A")))


def test_encode_rejects_unknown_formats():
    with pytest.raises(ValueError):
        encode(soft_square_cutout(), "gif")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"bg_color": "blue"}, "bg_color"),
        ({"blur": 101}, "blur"),
        ({"margin": -1}, "margin"),
        ({"size": "0x10"}, "size"),
        ({"keep_subjects": [-1]}, "keep_subjects"),
        ({"bg_color": "#fff", "blur": 3}, "bg_color"),
        ({"bg_image": Image.new("RGB", (2, 2)), "bg_color": "#fff"}, "bg_image"),
    ],
)
def test_option_errors_name_their_field(kwargs, field):
    """Callers map errors to their own field names from ``field``, never from the message."""
    with pytest.raises(OptionError) as info:
        build_render_options(**kwargs)
    assert info.value.field == field


@pytest.mark.parametrize("text", ["abc", "2001", "101%", "9" * 5000, "9" * 5000 + "%"])
def test_margin_errors_name_their_field(text):
    with pytest.raises(OptionError) as info:
        parse_margin(text)
    assert info.value.field == "margin"


def test_a_size_of_thousands_of_digits_is_an_option_error():
    with pytest.raises(OptionError) as info:
        parse_size("9" * 5000 + "x10")
    assert info.value.field == "size"
