"""The one table of image formats: what we decode (inputs) and what we write (outputs).

Inputs are an allow-list of Pillow format names: ``decode.load_image`` opens a file with these
plugins only, so an exotic format (TGA, SGI, QOI, DDS, ICO, PCX, EPS...) never reaches its
plugin, and EPS never reaches Ghostscript. HEIC/HEIF (phone photos) comes from pillow-heif.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputFormat:
    pillow: str  # Pillow's format name, as Image.OPEN knows it
    label: str  # how we name it to people
    content_types: tuple[str, ...]
    extensions: tuple[str, ...]


INPUTS: tuple[InputFormat, ...] = (
    InputFormat("JPEG", "JPEG", ("image/jpeg",), (".jpg", ".jpeg")),
    InputFormat("PNG", "PNG", ("image/png",), (".png",)),
    InputFormat("WEBP", "WebP", ("image/webp",), (".webp",)),
    InputFormat("HEIF", "HEIC", ("image/heic", "image/heif"), (".heic", ".heif")),
    InputFormat("GIF", "GIF", ("image/gif",), (".gif",)),
    InputFormat("BMP", "BMP", ("image/bmp",), (".bmp",)),
    InputFormat("TIFF", "TIFF", ("image/tiff",), (".tif", ".tiff")),
)
INPUT_PILLOW_NAMES: tuple[str, ...] = tuple(fmt.pillow for fmt in INPUTS)
ACCEPTED_TEXT = ", ".join(fmt.label for fmt in INPUTS[:-1]) + f" or {INPUTS[-1].label}"
# For <input type="file" accept="...">: content types and extensions (some browsers know
# only one of the two for HEIC).
ACCEPT_ATTR = ",".join(
    [ct for fmt in INPUTS for ct in fmt.content_types]
    + [ext for fmt in INPUTS for ext in fmt.extensions]
)


@dataclass(frozen=True)
class OutputFormat:
    name: str  # as the URLs, the API and encode() call it
    pillow: str  # Pillow's format name for save()
    extension: str  # file name extension, without the dot
    content_type: str
    transparent: bool  # keeps an alpha channel


OUTPUTS: dict[str, OutputFormat] = {
    fmt.name: fmt
    for fmt in (
        OutputFormat("png", "PNG", "png", "image/png", transparent=True),
        OutputFormat("webp", "WEBP", "webp", "image/webp", transparent=True),
        OutputFormat("jpg", "JPEG", "jpg", "image/jpeg", transparent=False),
        OutputFormat("mask", "PNG", "png", "image/png", transparent=False),  # the alpha, grey
    )
}
# zlib level for every PNG we write (downloads and job files alike); see docs/benchmarks.md:
# level 6 takes seconds on a 4000 px RGBA image.
PNG_COMPRESS_LEVEL = 1


def output_format(name: str) -> OutputFormat:
    """The output format called ``name``; ValueError naming the choices otherwise."""
    try:
        return OUTPUTS[name]
    except KeyError:
        raise ValueError(f"Unknown format {name!r}; choose one of: {', '.join(OUTPUTS)}") from None
