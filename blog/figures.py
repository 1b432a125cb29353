"""Figures and cover images for the blog, made by the pipeline itself so they stay true.

``manage.py blog_figures`` calls :func:`generate`. Every image is written under static/blog/
(figures/... for article illustrations, covers/<slug>.jpg for the list, the feed and og:image)
from the shipped sample photos (static/samples, CC0 / public domain, see LICENSES.md there).
Re-run it whenever the model or the matting changes; the articles embed the files by path.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from tools import pipeline
from tools.pipeline.composite import render
from tools.pipeline.matte import DEFAULT_PARAMS, make_trimap
from tools.pipeline.options import RenderOptions
from tools.pipeline.remove import Cutout, working_image
from tools.pipeline.segment import predict_saliency
from tools.pipeline.shadow import drop_shadow, with_shadow

STATIC = Path(__file__).resolve().parent.parent / "static"
SAMPLES = STATIC / "samples"
FIGURES = STATIC / "blog" / "figures"
COVERS = STATIC / "blog" / "covers"
COVER_SIZE = (1200, 630)  # what og:image and large Twitter cards expect
FIGURE_WIDTH = 720
BRAND = (58, 47, 208)  # the site's indigo
CHECKER = ((255, 255, 255), (226, 229, 236))


@dataclass
class Run:
    """One sample through the pipeline, with the intermediate maps the articles show."""

    image: Image.Image
    saliency: np.ndarray
    trimap: np.ndarray
    cutout: Cutout


def run(image: Image.Image, *, model: str) -> Run:
    """The pipeline's own steps: the saliency map and trimap as the matting sees them, and
    the final result from ``remove_background`` (which repeats them; figures are not hot)."""
    image = image.convert("RGB")
    work = working_image(image)
    saliency = predict_saliency(work, model=model, size=work.size)
    trimap = make_trimap(saliency, DEFAULT_PARAMS)
    return Run(image, saliency, trimap, pipeline.remove_background(image, model=model))


# Drawing helpers ---------------------------------------------------------------------------


def checkerboard(size: tuple[int, int], cell: int = 12) -> Image.Image:
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    odd = ((xx // cell + yy // cell) % 2).astype(bool)
    pixels = np.where(odd[..., None], CHECKER[1], CHECKER[0]).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def on_checkerboard(cutout: Image.Image) -> Image.Image:
    base = checkerboard(cutout.size).convert("RGBA")
    base.alpha_composite(cutout.convert("RGBA"))
    return base.convert("RGB")


def gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    """A soft vertical studio gradient from ``top`` to ``bottom`` (RGB)."""
    width, height = size
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    pixels = (1 - t) * np.array(top, np.float32) + t * np.array(bottom, np.float32)
    return Image.fromarray(np.broadcast_to(pixels, (height, width, 3)).astype(np.uint8), "RGB")


def fit_width(image: Image.Image, width: int = FIGURE_WIDTH) -> Image.Image:
    if image.width <= width:
        return image
    height = round(image.height * width / image.width)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def side_by_side(*images: Image.Image, gap: int = 8) -> Image.Image:
    """Images of one height next to each other on white, ``gap`` px apart."""
    height = min(image.height for image in images)
    scaled = [
        image.resize((round(image.width * height / image.height), height), Image.LANCZOS)
        for image in images
    ]
    width = sum(image.width for image in scaled) + gap * (len(scaled) - 1)
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    x = 0
    for image in scaled:
        canvas.paste(image.convert("RGB"), (x, 0))
        x += image.width + gap
    return canvas


def grey(values: np.ndarray, size: tuple[int, int]) -> Image.Image:
    image = Image.fromarray(np.clip(values * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    return image.resize(size, Image.Resampling.BILINEAR).convert("RGB")


def edge_window(alpha: Image.Image, band: np.ndarray, side: int) -> tuple[int, int, int, int]:
    """The ``side`` x ``side`` box with the most partly transparent pixels (hair, fur) in the
    matting's unknown ``band`` (the subject's outline)."""
    values = np.asarray(alpha, dtype=np.float32) / 255
    band = np.asarray(Image.fromarray(band.astype(np.uint8) * 255).resize(alpha.size)) > 127
    soft = ((values > 0.05) & (values < 0.95) & band).astype(np.float32)
    total = soft.cumsum(0).cumsum(1)
    total = np.pad(total, ((1, 0), (1, 0)))
    height, width = values.shape
    side = min(side, height, width)
    sums = total[side:, side:] - total[:-side, side:] - total[side:, :-side] + total[:-side, :-side]
    top, left = np.unravel_index(np.argmax(sums), sums.shape)
    return (int(left), int(top), int(left) + side, int(top) + side)


def save(image: Image.Image, path: Path, *, quality: int = 80) -> Path:
    """Write a small optimised file (WebP or JPEG by extension), via a temp file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    if path.suffix == ".webp":
        image.save(out, "WEBP", quality=quality, method=6)
    else:
        image.convert("RGB").save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    temp = path.with_suffix(path.suffix + ".tmp")
    temp.write_bytes(out.getvalue())
    temp.replace(path)
    return path


def sample(name: str) -> Image.Image:
    return pipeline.load_image(SAMPLES / f"{name}.jpg", limits=pipeline.DecodeLimits.unscaled())


# Figures -----------------------------------------------------------------------------------


def how_it_works(cat: Run) -> list[Path]:
    """Each step of the pipeline on the cat photo (fur shows what matting does)."""
    folder = FIGURES / "how-it-works"
    size = cat.image.size
    alpha = cat.cutout.alpha
    written = [
        save(fit_width(cat.image), folder / "1-photo.webp"),
        save(fit_width(grey(cat.saliency, size)), folder / "2-saliency.webp"),
        save(fit_width(grey(cat.trimap.astype(np.float32), size)), folder / "3-trimap.webp"),
        save(fit_width(alpha.convert("RGB")), folder / "4-alpha.webp"),
    ]
    # Colour decontamination: the same soft edge on a strong colour, with the photo's own
    # colours (a halo of the old background) and with the estimated foreground colours.
    unknown = (cat.trimap > 0.25) & (cat.trimap < 0.75)
    box = edge_window(alpha, unknown, max(64, min(size) // 3))
    green = Image.new("RGBA", size, (40, 200, 90, 255))
    naive = cat.image.convert("RGBA")
    naive.putalpha(alpha)
    before = Image.alpha_composite(green, naive).crop(box)
    after = Image.alpha_composite(green, cat.cutout.cutout.convert("RGBA")).crop(box)
    zoom = (360, 360)
    pair = side_by_side(
        before.resize(zoom, Image.Resampling.NEAREST), after.resize(zoom, Image.Resampling.NEAREST)
    )
    written.append(save(pair, folder / "5-decontamination.webp"))
    studio = gradient(size, (238, 241, 250), (176, 186, 214))
    composite = render(cat.image, cat.cutout.cutout, RenderOptions(bg_image=studio))
    written.append(save(fit_width(composite.convert("RGB")), folder / "6-composite.webp"))
    return written


def product_shadows(coffee: Run) -> list[Path]:
    """The coffee cup on white: no shadow, the soft drop shadow, the photo's contact shadow."""
    white = Image.new("RGB", coffee.image.size, (255, 255, 255))
    panels = [
        render(coffee.image, coffee.cutout.cutout, RenderOptions(bg_image=white, shadow=kind))
        for kind in (None, "drop", "contact")
    ]
    row = side_by_side(*(fit_width(panel.convert("RGB"), 320) for panel in panels))
    return [save(row, FIGURES / "product-photos" / "shadows.webp")]


TIPS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "good": lambda image: image,
    "low-resolution": lambda image: image.resize(
        (image.width // 8, image.height // 8), Image.Resampling.BILINEAR
    ).resize(image.size, Image.Resampling.BILINEAR),
    "blurred": lambda image: image.filter(ImageFilter.GaussianBlur(max(image.size) / 120)),
    "dark": lambda image: _noisy(ImageEnhance.Brightness(image).enhance(0.22), 10),
    "cut-off": lambda image: image.crop((image.width // 3, 0, image.width, image.height)),
}


def _noisy(image: Image.Image, sigma: float) -> Image.Image:
    pixels = np.asarray(image, np.float32)
    pixels += np.random.default_rng(7).normal(0, sigma, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def tips(photo: Image.Image, *, model: str) -> list[Path]:
    """Good and poor versions of one photo, each beside the cut-out the pipeline made of it."""
    folder = FIGURES / "tips"
    written = []
    for name, degrade in TIPS.items():
        image = degrade(photo)
        cutout = pipeline.remove_background(image, model=model).cutout
        pair = side_by_side(fit_width(image, 360), fit_width(on_checkerboard(cutout), 360))
        written.append(save(pair, folder / f"{name}.webp"))
    return written


# Covers ------------------------------------------------------------------------------------


def split_cover(
    result: Run,
    background: Image.Image,
    *,
    focus: float = 0.5,
    rise: float = 0.5,
    shadow: bool = False,
) -> Image.Image:
    """1200 x 630: the photo on the left, the same frame with its new background on the right,
    a thin white divider between them; ``focus`` and ``rise`` (0-1) place the crop
    horizontally and vertically."""
    image = result.image
    width, height = COVER_SIZE
    scale = max(width / image.width, height / image.height)
    scaled = (round(image.width * scale), round(image.height * scale))
    left = round((scaled[0] - width) * focus)
    top = round((scaled[1] - height) * rise)
    box = (left, top, left + width, top + height)
    photo = image.resize(scaled, Image.Resampling.LANCZOS).crop(box)
    layer = result.cutout.cutout
    if shadow:
        layer = with_shadow(layer, drop_shadow(layer.getchannel("A")))
    cutout = layer.resize(scaled, Image.Resampling.LANCZOS).crop(box)
    after = background.resize(COVER_SIZE).convert("RGBA")
    after.alpha_composite(cutout)
    cover = after.convert("RGB")
    half = width // 2
    cover.paste(photo.crop((0, 0, half, height)), (0, 0))
    ImageDraw.Draw(cover).rectangle((half - 2, 0, half + 1, height), fill=(255, 255, 255))
    return cover


def covers(runs: dict[str, Run]) -> list[Path]:
    indigo = gradient(COVER_SIZE, (92, 82, 230), BRAND)
    studio = gradient(COVER_SIZE, (246, 247, 251), (196, 203, 222))
    warm = gradient(COVER_SIZE, (253, 230, 138), (246, 173, 85))
    white = Image.new("RGB", COVER_SIZE, (255, 255, 255))
    checker = checkerboard(COVER_SIZE, cell=24)
    plan = {
        "how-ai-background-removal-works": (runs["cat"], studio, 0.5, 0.5),
        "tips-for-best-background-removal-results": (runs["coffee"], warm, 0.35, 0.5),
        "product-photos-for-online-shops": (runs["coffee"], white, 0.35, 0.5),
        "replace-a-background-realistically": (runs["astronaut"], indigo, 0.5, 0.1),
        "hair-and-fur-edges-alpha-matting": (runs["cat"], indigo, 0.5, 0.5),
        "what-happens-to-your-photo": (runs["rocket"], studio, 0.62, 0.5),
        "png-webp-or-jpeg-for-cut-outs": (runs["astronaut"], checker, 0.5, 0.1),
    }
    return [
        save(
            split_cover(result, background, focus=focus, rise=rise, shadow=background is white),
            COVERS / f"{slug}.jpg",
            quality=78,
        )
        for slug, (result, background, focus, rise) in plan.items()
    ]


def generate(*, model: str, log: Callable[[str], None] = print) -> list[Path]:
    """Every figure and cover, regenerated from the shipped samples with ``model``."""
    runs = {}
    for name in ("cat", "coffee", "astronaut", "rocket"):
        log(f"Running the pipeline on {name}.jpg")
        runs[name] = run(sample(name), model=model)
    written = how_it_works(runs["cat"])
    log("Tips: good and poor inputs")
    written += product_shadows(runs["coffee"])
    written += tips(sample("coffee"), model=model)
    written += covers(runs)
    return written
