"""tools.pipeline.load_image: every mode to 8-bit sRGB RGB, EXIF, limits, formats, metadata."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from tools.pipeline import (
    DecodeLimits,
    ImageTooLarge,
    PipelineError,
    UnreadableImage,
    decode_image,
    load_image,
)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
LIMITS = DecodeLimits(max_pixels=40_000_000, max_side=12_000, max_input_pixels=120_000_000)


def load(source, limits: DecodeLimits = LIMITS) -> Image.Image:
    return load_image(source, limits=limits)


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
    image = load(MODES[mode]())
    assert image.mode == "RGB"
    assert image.size == (8, 6)
    assert np.asarray(image).dtype == np.uint8


def test_it_scales_16bit_values_to_8bit():
    assert load(png_bytes(sixteen_bit())).getpixel((0, 0)) == (128, 128, 128)


def test_it_composites_transparency_over_white():
    image = load(png_bytes(palette_with_transparency()))
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.getpixel((7, 0)) == (200, 30, 30)
    half = Image.new("RGBA", (4, 4), (0, 0, 0, 128))
    assert load(png_bytes(half)).getpixel((0, 0)) == (127, 127, 127)


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
    same = load(png_bytes(tagged, icc_profile=srgb.tobytes()))
    assert np.abs(np.asarray(same, int) - (10, 200, 30)).max() <= 2

    # A profile whose red and green primaries are swapped: its "green" pixel is red in sRGB.
    swapped = rgb_profile(
        red=(0.3851, 0.7169, 0.0971), green=(0.4361, 0.2225, 0.0139), blue=(0.1431, 0.0606, 0.7141)
    )
    red, green, _ = load(png_bytes(tagged, icc_profile=swapped)).getpixel((0, 0))
    assert red > 150 and green < 60


def test_it_applies_exif_orientation():
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 10, 20))  # red on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    decoded = load(jpeg_bytes(image, exif=exif.tobytes()))
    assert decoded.size == (20, 40)
    red, _, blue = decoded.getpixel((10, 3))  # the left edge is now the top
    assert red > 200 and blue < 60


def test_it_takes_the_first_frame_of_an_animation():
    frames = [Image.new("RGB", (8, 8), color) for color in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    r, _, b = load(out.getvalue()).getpixel((4, 4))
    assert r > 200 and b < 50


def test_it_reads_paths_and_file_objects():
    path = FIXTURES / "chelsea.jpg"
    assert load(path).size == (451, 300)
    with path.open("rb") as fh:
        assert load(fh).size == (451, 300)


def test_it_scales_an_image_over_the_pixel_or_side_limit_down_to_fit():
    data = png_bytes(Image.new("RGB", (300, 200), (10, 120, 200)))
    decoded = decode_image(data, limits=DecodeLimits(15_000, 1000, 100_000))
    assert (decoded.image.size, decoded.source_size, decoded.scaled) == (
        (150, 100),
        (300, 200),
        True,
    )
    assert decoded.image.getpixel((75, 50)) == (10, 120, 200)
    assert "300 x 200 pixel image was scaled down to 150 x 100" in decoded.notice()
    by_side = decode_image(data, limits=DecodeLimits(1_000_000, 120, 100_000))
    assert by_side.image.size == (120, 80)
    fits = decode_image(data, limits=DecodeLimits(60_000, 300, 60_000))
    assert (fits.image.size, fits.scaled, fits.notice()) == ((300, 200), False, "")


def test_it_refuses_an_image_over_the_input_limit_from_its_header():
    data = png_bytes(Image.new("RGB", (100, 50)))
    with pytest.raises(ImageTooLarge) as info:
        load(data, DecodeLimits(max_pixels=1_000, max_side=100, max_input_pixels=4_999))
    assert "100 x 50" in str(info.value) and "Resize it" in str(info.value)
    assert load(data, DecodeLimits(1_000, 100, 5_000)).size == (44, 22)


def test_an_exif_rotated_image_is_scaled_along_its_shown_axes():
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated by 90 degrees: 40 x 80
    data = jpeg_bytes(Image.new("RGB", (80, 40), (200, 30, 30)), exif=exif.tobytes())
    assert load(data, DecodeLimits(800, 40, 10_000)).size == (20, 40)


BIG_JPEG_PROBE = """
import resource, sys
from pathlib import Path
from tools.pipeline.decode import DecodeLimits, decode_image
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
limits = DecodeLimits(max_pixels=2_000_000, max_side=4_000, max_input_pixels=120_000_000)
decoded = decode_image(Path(sys.argv[1]), limits=limits)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(*decoded.image.size, *decoded.source_size, grown)
"""


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_never_at_full_size(tmp_path):
    """Decoded in a fresh process, so its peak memory is the decoding's alone. At full size
    the 48-megapixel JPEG takes 144 MB; draft() decodes it at 1/4 scale (9 MB)."""
    path = tmp_path / "big.jpg"
    big = Image.new("RGB", (8000, 6000), (120, 160, 200))
    big.paste((200, 40, 40), (0, 0, 4000, 6000))
    big.save(path, quality=80)
    del big
    result = subprocess.run(
        [sys.executable, "-c", BIG_JPEG_PROBE, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    width, height, source_width, source_height, grown_kib = map(int, result.stdout.split())
    assert (source_width, source_height) == (8000, 6000)
    assert (width, height) == (1632, 1224)  # 2 MP, the aspect ratio kept
    assert grown_kib < 48 * 1024, f"{grown_kib / 1024:.0f} MB"


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
        load(bomb_png(*size))
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", jpeg_bytes(Image.new("RGB", (64, 64)))[:200]],
    ids=["empty", "text", "truncated-jpeg"],
)
def test_it_reports_unreadable_input_with_what_is_accepted(data):
    with pytest.raises(UnreadableImage) as info:
        load(data)
    assert isinstance(info.value, PipelineError)
    assert "JPEG, PNG" in str(info.value)


# --- The allow-list of formats ------------------------------------------------------------

EXOTIC = ["TGA", "SGI", "QOI", "DDS", "IM", "ICO", "PPM", "PCX", "EPS"]


def encoded(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Pillow retires its IM writer
        Image.new("RGB", size, (200, 30, 40)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", EXOTIC)
def test_it_refuses_formats_outside_the_allow_list_without_opening_them(fmt, monkeypatch):
    """Pillow reads every one of these; none may reach its plugin (EPS would run Ghostscript)."""
    Image.init()  # register every plugin Pillow has
    opened = []
    for name in EXOTIC:
        factory, accept = Image.OPEN[name]
        monkeypatch.setitem(
            Image.OPEN,
            name,
            (lambda *args, _f=factory, _n=name: opened.append(_n) or _f(*args), accept),
        )
    data = encoded(fmt)
    assert Image.open(io.BytesIO(data)).format == fmt  # a real file of that format
    opened.clear()
    with pytest.raises(UnreadableImage) as info:
        load(data)
    assert opened == []
    assert "not an image we can read" in str(info.value)
    assert "JPEG, PNG, WebP, HEIC, GIF, BMP or TIFF" in str(info.value)


def heic_bytes(image: Image.Image, **params) -> bytes:
    import pillow_heif

    heif = pillow_heif.from_pillow(image)
    out = io.BytesIO()
    heif.save(out, quality=95, **params)
    return out.getvalue()


def test_it_reads_a_heic_photo():
    image = Image.new("RGB", (64, 48), (20, 120, 200))
    image.paste((230, 200, 30), (0, 0, 32, 48))
    data = heic_bytes(image)
    assert data[4:12] == b"ftypheic"
    decoded = load(data)
    assert decoded.size == (64, 48)
    left, right = np.asarray(decoded)[24, 8].astype(int), np.asarray(decoded)[24, 56].astype(int)
    assert np.abs(left - (230, 200, 30)).max() < 12
    assert np.abs(right - (20, 120, 200)).max() < 12


# --- Metadata ------------------------------------------------------------------------------


def test_no_metadata_survives_decoding():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 40.0)}  # GPS
    data = jpeg_bytes(
        Image.new("RGB", (32, 24), (90, 90, 90)),
        exif=exif.tobytes(),
        comment=b"home address in a comment",
        xmp=b"<x:xmpmeta>secret</x:xmpmeta>",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    with Image.open(io.BytesIO(data)) as source:
        assert {"exif", "comment", "xmp", "icc_profile"} <= set(source.info)
    assert load(data).info == {}


def test_a_palette_image_is_scaled_down_smoothly_not_by_nearest_neighbour():
    stripes = Image.new("P", (200, 100), 0)
    stripes.putpalette([0, 0, 0, 255, 255, 255] + [0, 0, 0] * 254)
    for x in range(0, 200, 2):
        stripes.paste(1, (x, 0, x + 1, 100))  # one-pixel black and white stripes
    small = load(
        png_bytes(stripes), DecodeLimits(max_pixels=1_250, max_side=50, max_input_pixels=10**6)
    )
    assert small.size == (50, 25)
    assert 100 <= min(small.getpixel((25, 12))) <= 155  # averaged to grey, not black or white
