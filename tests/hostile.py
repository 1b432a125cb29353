"""A corpus of hostile and odd uploads, generated on the fly (nothing is downloaded).

Each case is a file name, its bytes and what the site must do with it: ``ok`` (a correct
result), or a rejection kind with words the visitor's message must contain. Everything is
small: the decompression bomb and the 20000 x 20000 PNG are a few kilobytes each, written
chunk by chunk so that not even the generator holds their pixels.

``corpus()`` holds files (each goes through the form, the API and the command line);
``request_cases()`` holds whole requests that only the web form and the API receive (more
files at once than any limit allows, a thousand-character file name).
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from tests.tool_helpers import scene

OK = "ok"
UNREADABLE = "unreadable"  # "could not be read" / "not an image we can read"
TOO_LARGE = "too_large"  # over the pixel or side limit, from the header
EMPTY = "empty"
OVERSIZE = "oversize"  # over PIXELFORGE_MAX_UPLOAD_MB
NO_SUBJECT = "no_subject"  # read, but nothing to cut out: the job fails with "No subject found"

# Upload limit the tests run with, so the "over the size limit" file stays small.
TEST_MAX_UPLOAD_MB = 1


@dataclass(frozen=True)
class Case:
    name: str  # test id
    filename: str  # name the browser sends
    data: bytes
    expect: str
    # For OK cases: the size of the decoded result (width, height), when it is known.
    size: tuple[int, int] | None = None
    notes: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


# --- PNG written by hand: any declared size, pixels streamed through zlib ---------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)


def streamed_png(width: int, height: int, *, bit_depth: int, colour_type: int) -> bytes:
    """A complete, valid PNG of zero pixels, compressed row by row (no full raster in memory)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = b"\x00" + bytes((width * channels * bit_depth + 7) // 8)  # filter byte + zeros
    packer = zlib.compressobj(9)
    parts = []
    batch = row * 256
    for _ in range(height // 256):
        parts.append(packer.compress(batch))
    parts.append(packer.compress(row * (height % 256)))
    parts.append(packer.flush())
    idat = b"".join(parts)
    return (
        png_header(width, height, bit_depth=bit_depth, colour_type=colour_type)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny file declaring a huge RGB image: the IDAT holds a few bytes of zlib data."""
    idat = zlib.compress(b"\x00" * 1024, 9)
    return png_header(width, height) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def rgb48_png(width: int = 96, height: int = 64) -> bytes:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write these itself): a dark disc (a subject)
    on a red-to-blue ramp."""
    rows = []
    radius = min(width, height) // 4
    for y in range(height):
        pixels = b"".join(
            struct.pack(">HHH", 4000, 4000, 4000)
            if (x - width // 2) ** 2 + (y - height // 2) ** 2 <= radius**2
            else struct.pack(">HHH", x * 65535 // (width - 1), 20000, y * 65535 // (height - 1))
            for x in range(width)
        )
        rows.append(b"\x00" + pixels)
    idat = zlib.compress(b"".join(rows), 6)
    return (
        png_header(width, height, bit_depth=16, colour_type=2)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def webp_with_declared_size(width: int, height: int) -> bytes:
    """A 1 x 1 lossless WebP behind a VP8X header that declares ``width`` x ``height``."""
    vp8x = b"\x10\x00\x00\x00" + (width - 1).to_bytes(3, "little")
    vp8x += (height - 1).to_bytes(3, "little")
    small = _encode(Image.new("RGB", (1, 1)), "WEBP", lossless=True)
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x + small[12:]
    return b"RIFF" + struct.pack("<I", len(body)) + body


def jpeg_with_declared_size(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF0 header is patched to declare another size."""
    data = bytearray(_encode(scene((64, 48)), "JPEG", quality=80))
    at = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


# --- An Adobe RGB (1998) ICC profile, built from its published primaries -----------------


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def adobe_rgb_profile() -> bytes:
    """A minimal ICC v2 matrix/TRC display profile with Adobe RGB (1998) primaries, gamma 2.2."""

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \x00\x00\x00\x00" + _s15(x) + _s15(y) + _s15(z)

    def text(value: str) -> bytes:
        return b"text\x00\x00\x00\x00" + value.encode() + b"\x00"

    def desc(value: str) -> bytes:
        ascii_part = value.encode() + b"\x00"
        body = struct.pack(">I", len(ascii_part)) + ascii_part
        return b"desc\x00\x00\x00\x00" + body + bytes(4 + 4 + 2 + 1 + 67)

    gamma = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(2.19921875 * 256)) + b"\x00\x00"
    tags = [
        (b"desc", desc("Adobe RGB (1998) compatible, generated by PixelForge tests")),
        (b"cprt", text("No copyright, use freely")),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.60974, 0.31111, 0.01947)),
        (b"gXYZ", xyz(0.20528, 0.62567, 0.06087)),
        (b"bXYZ", xyz(0.14919, 0.06322, 0.74457)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table, blobs = [struct.pack(">I", len(tags))], []
    for signature, blob in tags:
        padded = blob + bytes(-len(blob) % 4)
        table.append(signature + struct.pack(">II", offset, len(blob)))
        blobs.append(padded)
        offset += len(padded)
    body = b"".join(table) + b"".join(blobs)
    header = bytearray(128)
    struct.pack_into(">I", header, 0, 128 + len(body))
    header[8:12] = b"\x02\x10\x00\x00"  # version 2.1
    header[12:16], header[16:20], header[20:24] = b"mntr", b"RGB ", b"XYZ "
    header[36:40] = b"acsp"
    header[68:80] = _s15(0.9642) + _s15(1.0) + _s15(0.8249)  # D50 illuminant
    return bytes(header) + body


# --- The corpus ----------------------------------------------------------------------------


def _animated(fmt: str) -> bytes:
    frames = [scene((120, 80)).rotate(angle) for angle in (0, 10, 20)]
    if fmt == "GIF":
        frames = [frame.convert("P") for frame in frames]
    return _encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def _exif_rotated() -> bytes:
    """A 120 x 80 JPEG whose EXIF says "rotate 90° clockwise": it shows as 80 x 120."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return _encode(scene((120, 80)), "JPEG", exif=exif.tobytes())


def _palette_with_transparency() -> bytes:
    image = scene((120, 80)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    background_index = image.getpixel((0, 0))
    return _encode(image, "PNG", transparency=background_index)


def _rgba() -> bytes:
    image = Image.new("RGBA", (120, 80), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((20, 10, 100, 70), fill=(200, 30, 40, 255))
    return _encode(image, "PNG")


def _over_size_limit() -> bytes:
    """A valid PNG of noise a little over TEST_MAX_UPLOAD_MB (noise does not compress)."""
    side = 620  # 620 * 620 * 3 bytes = 1.15 MB of incompressible pixels
    noise = Image.frombytes("RGB", (side, side), bytes(_noise(side * side * 3)))
    return _encode(noise, "PNG", compress_level=0)


def _noise(count: int) -> bytearray:
    out = bytearray(count)
    state = 2463534242
    for i in range(count):
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        out[i] = state & 0xFF
    return out


def _zip_payload() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<script>alert(document.cookie)</script><circle cx="50" cy="50" r="40"/></svg>'
)
HTML = b"<!doctype html><html><body><script>alert(1)</script><img src=x onerror=alert(2)>"
PAYLOAD = b"<html><script>alert('polyglot')</script></html>"


def corpus() -> list[Case]:
    jpeg = _encode(scene((120, 80)), "JPEG", quality=85)
    png = _encode(scene((120, 80)), "PNG")
    cases = [
        Case("empty", "empty.jpg", b"", EMPTY),
        Case("truncated-jpeg", "cut.jpg", jpeg[: len(jpeg) // 2], UNREADABLE),
        Case("truncated-png", "cut.png", png[: len(png) // 2], UNREADABLE),
        Case("png-signature-only", "sig.png", png[:8], UNREADABLE),
        Case("png-bad-crc", "crc.png", png[:29] + b"\x00\x00\x00\x00" + png[33:], UNREADABLE),
        Case("text-as-jpg", "notes.jpg", b"Just some text, not a picture.\n" * 20, UNREADABLE),
        Case("html-as-jpg", "page.jpg", HTML, UNREADABLE),
        Case("pdf-as-jpg", "document.jpg", PDF, UNREADABLE),
        Case("svg-script-as-jpg", "vector.jpg", SVG, UNREADABLE),
        Case("zip-as-jpg", "archive.jpg", _zip_payload(), UNREADABLE),
        Case("png-bomb-50000", "bomb.png", png_bomb(), TOO_LARGE, tags=frozenset({"bomb"})),
        Case(
            "jpeg-bomb-header",
            "bomb.jpg",
            jpeg_with_declared_size(60_000, 60_000),
            TOO_LARGE,
            tags=frozenset({"bomb"}),
        ),
        Case(
            "webp-bomb-header",
            "bomb.webp",
            webp_with_declared_size(60_000, 60_000),
            TOO_LARGE,
            tags=frozenset({"bomb"}),
        ),
        Case(
            "png-20000-square",
            "huge.png",
            streamed_png(20_000, 20_000, bit_depth=1, colour_type=0),
            TOO_LARGE,
            tags=frozenset({"bomb"}),
        ),
        Case(
            "png-over-max-side",
            "wide.png",
            streamed_png(13_000, 8, bit_depth=1, colour_type=0),
            OK,
            size=(12_000, 7),
            notes="104k pixels, but one side over PIXELFORGE_MAX_SIDE: scaled down to fit",
        ),
        Case("png-zero-size", "zero.png", png_header(0, 0) + _chunk(b"IEND", b""), UNREADABLE),
        Case("gif-animated", "anim.gif", _animated("GIF"), OK, size=(120, 80)),
        Case("webp-animated", "anim.webp", _animated("WEBP"), OK, size=(120, 80)),
        Case("jpeg-cmyk", "cmyk.jpg", _encode(scene((120, 80)).convert("CMYK"), "JPEG"), OK),
        Case(
            "png-16bit-grey",
            "grey16.png",
            _encode(scene((120, 80)).convert("I").point(lambda v: v * 256).convert("I;16"), "PNG"),
            OK,
            size=(120, 80),
        ),
        Case("png-16bit-rgb", "rgb48.png", rgb48_png(), OK, size=(96, 64)),
        Case("jpeg-grey", "grey.jpg", _encode(scene((120, 80)).convert("L"), "JPEG"), OK),
        Case("png-1bit", "bilevel.png", _encode(scene((120, 80)).convert("1"), "PNG"), OK),
        Case("png-palette-trns", "palette.png", _palette_with_transparency(), OK),
        Case("png-rgba", "alpha.png", _rgba(), OK, size=(120, 80)),
        Case(
            "png-fully-transparent",
            "clear.png",
            _encode(Image.new("RGBA", (64, 48), (0, 0, 0, 0)), "PNG"),
            NO_SUBJECT,
            size=(64, 48),
        ),
        Case("jpeg-exif-rotated", "rotated.jpg", _exif_rotated(), OK, size=(80, 120)),
        Case(
            "jpeg-adobe-rgb-icc",
            "adobe.jpg",
            _encode(scene((120, 80)), "JPEG", icc_profile=adobe_rgb_profile()),
            OK,
            size=(120, 80),
        ),
        Case("png-1x1", "dot.png", _encode(Image.new("RGB", (1, 1), (200, 30, 40)), "PNG"), OK),
        Case("jpeg-panorama", "pano.jpg", _encode(scene((10_000, 100)), "JPEG"), OK),
        Case("png-named-jpg", "really-a-png.jpg", png, OK, size=(120, 80)),
        Case("bmp", "old.bmp", _encode(scene((120, 80)), "BMP"), OK),
        Case("tiff-float", "float.tif", _encode(scene((120, 80)).convert("F"), "TIFF"), OK),
        Case("webp-alpha", "alpha.webp", _encode(Image.open(io.BytesIO(_rgba())), "WEBP"), OK),
        Case("over-upload-limit", "big.png", _over_size_limit(), OVERSIZE),
        Case("polyglot-png-html", "poly.png", png + PAYLOAD, OK, size=(120, 80)),
        Case("polyglot-jpeg-zip", "poly.jpg", jpeg + _zip_payload(), OK, size=(120, 80)),
        Case(
            "filename-paths-unicode",
            "../../etc/cron.d/..\\..\\Ünïcødé 照片 <b>.jpg",
            jpeg,
            OK,
            size=(120, 80),
        ),
        Case("filename-nul-and-controls", "a\x00b\x07c\t.jpg", jpeg, OK, size=(120, 80)),
        Case("heic-phone-photo", "IMG_0001.HEIC", _heic(), OK, size=(120, 80)),
        Case(
            "jpeg-exif-gps-xmp-comment",
            "phone.jpg",
            jpeg_with_metadata(),
            OK,
            size=(120, 80),
            tags=frozenset({"metadata"}),
        ),
        *_exotic(),
    ]
    return cases


# Formats Pillow can read but the site does not accept: each must be refused before its
# plugin sees it (EPS would start Ghostscript).
EXOTIC_FORMATS = {
    "TGA": "tga",
    "SGI": "sgi",
    "QOI": "qoi",
    "DDS": "dds",
    "IM": "im",
    "ICO": "ico",
    "PPM": "ppm",
    "PCX": "pcx",
    "EPS": "eps",
}


def _exotic() -> list[Case]:
    image = scene((64, 48))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Pillow retires its IM writer
        return _exotic_cases(image)


def _exotic_cases(image: Image.Image) -> list[Case]:
    cases = [
        Case(f"exotic-{fmt.lower()}", f"picture.{ext}", _encode(image, fmt), UNREADABLE)
        for fmt, ext in EXOTIC_FORMATS.items()
    ]
    # The same files named .jpg: the name decides nothing.
    cases.append(Case("exotic-tga-as-jpg", "picture.jpg", _encode(image, "TGA"), UNREADABLE))
    cases.append(Case("exotic-eps-as-jpg", "picture.jpg", _encode(image, "EPS"), UNREADABLE))
    return cases


def _heic() -> bytes:
    import pillow_heif

    out = io.BytesIO()
    pillow_heif.from_pillow(scene((120, 80))).save(out, quality=90)
    return out.getvalue()


METADATA_SECRETS = (b"PRIVATE-COMMENT", b"PRIVATE-XMP", b"PhoneMaker")


def jpeg_with_metadata() -> bytes:
    """A photo as a phone sends it: EXIF with a camera name and GPS, XMP, a comment (COM)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 40.0)}
    return _encode(
        scene((120, 80)),
        "JPEG",
        quality=90,
        exif=exif.tobytes(),
        comment=b"PRIVATE-COMMENT 12 Home Street",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">PRIVATE-XMP</x:xmpmeta>',
    )


# --- Whole requests (web form and API only) ------------------------------------------------

MALFORMED = "malformed"  # the body cannot be read: a clear 400 (form page or JSON)
TOO_MANY = "too-many"  # more files than a batch may hold: the form says so with a 422


@dataclass(frozen=True)
class RequestCase:
    name: str
    files: tuple[tuple[str, bytes], ...]  # (file name, bytes), all under the image field
    expect: str


def request_cases() -> list[RequestCase]:
    jpeg = _encode(scene((120, 80)), "JPEG", quality=85)
    return [
        RequestCase("41-files", tuple((f"photo-{i}.jpg", jpeg) for i in range(41)), TOO_MANY),
        RequestCase("name-1000-chars", (("n" * 1000 + ".jpg", jpeg),), MALFORMED),
    ]


def multipart(field: str, files: tuple[tuple[str, bytes], ...]) -> tuple[bytes, str]:
    """A multipart body written by hand: Django's test client would cut long names to 255."""
    boundary = "pixelforge-hostile-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, data in files
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def expected_size(case: Case) -> tuple[int, int] | None:
    if case.size:
        return case.size
    if case.expect in (OK, OVERSIZE):  # OVERSIZE: a valid image, refused only by the web form
        with Image.open(io.BytesIO(case.data)) as image:
            return image.size
    return None
