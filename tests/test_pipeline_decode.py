"""tools.pipeline.load_image: every mode to 8-bit sRGB RGB, EXIF, limits, unreadable input."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from tools.pipeline import ImageTooLarge, PipelineError, UnreadableImage, load_image

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def png_bytes(image: Image.Image, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **params)
    return out.getvalue()


def tiff_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "TIFF")
    return out.getvalue()


def jpeg_bytes(image: Image.Image, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, **params)
    return out.getvalue()


def palette_with_transparency() -> Image.Image:
    image = Image.new("P", (8, 6), 1)
    image.putpalette([0, 0, 0, 200, 30, 30] + [0, 0, 0] * 254)
    image.paste(0, (0, 0, 4, 6))
    image.info["transparency"] = 0
    return image


def sixteen_bit() -> Image.Image:
    values = np.full((6, 8), 32896, dtype=np.uint16)  # 128 * 257
    return Image.fromarray(values)


MODES = {
    "RGB": lambda: png_bytes(Image.new("RGB", (8, 6), (200, 30, 30))),
    "RGBA": lambda: png_bytes(Image.new("RGBA", (8, 6), (200, 30, 30, 255))),
    "L": lambda: png_bytes(Image.new("L", (8, 6), 128)),
    "LA": lambda: png_bytes(Image.new("LA", (8, 6), (128, 255))),
    "1": lambda: png_bytes(Image.new("1", (8, 6), 1)),
    "P+transparency": lambda: png_bytes(palette_with_transparency()),
    "CMYK": lambda: jpeg_bytes(Image.new("CMYK", (8, 6), (0, 255, 255, 0))),
    "I;16": lambda: png_bytes(sixteen_bit()),
    "I": lambda: tiff_bytes(Image.new("I", (8, 6), 40000)),
    "F": lambda: tiff_bytes(Image.new("F", (8, 6), 0.5)),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_it_decodes_every_mode_to_8bit_rgb(mode):
    image = load_image(MODES[mode]())
    assert image.mode == "RGB"
    assert image.size == (8, 6)
    assert np.asarray(image).dtype == np.uint8


def test_it_scales_16bit_values_to_8bit():
    assert load_image(png_bytes(sixteen_bit())).getpixel((0, 0)) == (128, 128, 128)


def test_it_composites_transparency_over_white():
    image = load_image(png_bytes(palette_with_transparency()))
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.getpixel((7, 0)) == (200, 30, 30)
    half = Image.new("RGBA", (4, 4), (0, 0, 0, 128))
    assert load_image(png_bytes(half)).getpixel((0, 0)) == (127, 127, 127)


def s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def rgb_profile(red, green, blue, gamma: float = 2.2) -> bytes:
    """A minimal ICC v2 matrix/TRC RGB display profile with the given D50 colorants."""
    D50 = (0.9642, 1.0, 0.8249)

    def xyz(values) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in values)

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    text = b"test profile\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 79
    tags = [
        (b"desc", desc), (b"wtpt", xyz(D50)), (b"rXYZ", xyz(red)), (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz(blue)), (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
    ]  # fmt: skip
    table, body = b"", b""
    offset = 128 + 4 + 12 * len(tags)
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000)
    header += b"mntrRGB XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
    header += b"".join(s15(v) for v in D50) + b"\0" * 48
    return header + struct.pack(">I", len(tags)) + table + body


def test_it_converts_an_embedded_icc_profile_to_srgb():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    tagged = Image.new("RGB", (8, 6), (10, 200, 30))
    same = load_image(png_bytes(tagged, icc_profile=srgb.tobytes()))
    assert np.abs(np.asarray(same, int) - (10, 200, 30)).max() <= 2

    # A profile whose red and green primaries are swapped: its "green" pixel is red in sRGB.
    swapped = rgb_profile(
        red=(0.3851, 0.7169, 0.0971), green=(0.4361, 0.2225, 0.0139), blue=(0.1431, 0.0606, 0.7141)
    )
    red, green, _ = load_image(png_bytes(tagged, icc_profile=swapped)).getpixel((0, 0))
    assert red > 150 and green < 60


def test_it_applies_exif_orientation():
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 10, 20))  # red on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    decoded = load_image(jpeg_bytes(image, exif=exif.tobytes()))
    assert decoded.size == (20, 40)
    red, _, blue = decoded.getpixel((10, 3))  # the left edge is now the top
    assert red > 200 and blue < 60


def test_it_takes_the_first_frame_of_an_animation():
    frames = [Image.new("RGB", (8, 8), color) for color in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    r, _, b = load_image(out.getvalue()).getpixel((4, 4))
    assert r > 200 and b < 50


def test_it_reads_paths_and_file_objects():
    path = FIXTURES / "chelsea.jpg"
    assert load_image(path).size == (451, 300)
    with path.open("rb") as fh:
        assert load_image(fh).size == (451, 300)


def test_it_enforces_the_pixel_and_side_limits():
    data = png_bytes(Image.new("RGB", (100, 50)))
    with pytest.raises(ImageTooLarge) as info:
        load_image(data, max_pixels=4_999)
    assert "100 x 50" in str(info.value)
    with pytest.raises(ImageTooLarge):
        load_image(data, max_side=99)
    assert load_image(data, max_pixels=5_000, max_side=100).size == (100, 50)


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header declares a huge size and whose data is a tiny zlib stream."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(20_000, 20_000), (100_000, 100_000)])
def test_it_rejects_a_decompression_bomb_quickly(size):
    started = time.perf_counter()
    with pytest.raises(ImageTooLarge):
        load_image(bomb_png(*size))
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", jpeg_bytes(Image.new("RGB", (64, 64)))[:200]],
    ids=["empty", "text", "truncated-jpeg"],
)
def test_it_reports_unreadable_input_with_what_is_accepted(data):
    with pytest.raises(UnreadableImage) as info:
        load_image(data)
    assert isinstance(info.value, PipelineError)
    assert "JPEG, PNG" in str(info.value)
