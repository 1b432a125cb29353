"""Put a cutout on its new background: transparent, a colour, an image or the blurred original,
optionally cropped to the subject and fitted into a canvas of a given size."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageFilter

from .options import RenderOptions
from .shadow import shadow_layer, with_shadow
from .subjects import keep_subjects, subject_bbox

BLUR_REFERENCE_SIDE = 1000  # RenderOptions.blur is a radius for a 1000 px long side


@dataclass(frozen=True)
class Placement:
    """Where the source region ``box`` (left, top, right, bottom) lands on the output canvas."""

    box: tuple[int, int, int, int]
    canvas: tuple[int, int]
    scaled: tuple[int, int]
    offset: tuple[int, int]

    def place(self, layer: Image.Image, base: Image.Image) -> Image.Image:
        region = layer.crop(self.box)
        if region.size != self.scaled:
            region = region.resize(self.scaled, Image.Resampling.LANCZOS)
        if region.mode == "RGBA" and base.mode == "RGBA":
            base.alpha_composite(region, self.offset)
        else:
            base.paste(region, self.offset)
        return base


def cover_fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale ``image`` to cover ``size`` keeping its aspect ratio, then centre-crop it."""
    width, height = size
    scale = max(width / image.width, height / image.height)
    scaled_w = max(width, round(image.width * scale))
    scaled_h = max(height, round(image.height * scale))
    left = (scaled_w - width) // 2
    top = (scaled_h - height) // 2
    return image.resize(
        (scaled_w, scaled_h),
        Image.Resampling.LANCZOS,
        box=None,
        reducing_gap=3.0,
    ).crop((left, top, left + width, top + height))


def placement(alpha: Image.Image, options: RenderOptions) -> Placement:
    """The source region (subject box plus margin when cropping or sizing) and its placement."""
    width, height = alpha.size
    box = (0, 0, width, height)
    if options.crop or options.size:
        found = subject_bbox(alpha)
        if found is not None:
            left, top, w, h = found
            m = options.margin
            box = (max(0, left - m), max(0, top - m))
            box += (min(width, left + w + m), min(height, top + h + m))
    region = (box[2] - box[0], box[3] - box[1])
    if options.size is None:
        return Placement(box=box, canvas=region, scaled=region, offset=(0, 0))
    canvas = options.size
    scale = min(canvas[0] / region[0], canvas[1] / region[1])
    scaled = (max(1, round(region[0] * scale)), max(1, round(region[1] * scale)))
    offset = ((canvas[0] - scaled[0]) // 2, (canvas[1] - scaled[1]) // 2)
    return Placement(box=box, canvas=canvas, scaled=scaled, offset=offset)


def blur_radius(size: tuple[int, int], blur: float) -> float:
    return blur * max(size) / BLUR_REFERENCE_SIDE


def _background(original: Image.Image, options: RenderOptions, where: Placement) -> Image.Image:
    canvas = where.canvas
    if options.bg_image is not None:
        return cover_fit(options.bg_image.convert("RGBA"), canvas)
    if options.blur > 0:
        radius = blur_radius(original.size, options.blur)
        blurred = original.convert("RGB").filter(ImageFilter.GaussianBlur(radius))
        base = cover_fit(blurred, canvas)  # fills any canvas area the source region leaves
        return where.place(blurred, base).convert("RGBA")
    if options.bg_color is not None:
        return Image.new("RGBA", canvas, options.bg_color)
    return Image.new("RGBA", canvas, (0, 0, 0, 0))


def render(original: Image.Image, cutout: Image.Image, options: RenderOptions) -> Image.Image:
    """The final RGBA image for ``options`` (RGB-opaque whenever a background was chosen)."""
    return render_placed(original, cutout, options)[0]


def render_placed(
    original: Image.Image, cutout: Image.Image, options: RenderOptions
) -> tuple[Image.Image, Placement]:
    """``render``, and where the source region landed (a shadow widens a crop's region)."""
    if sum([options.bg_color is not None, options.bg_image is not None, options.blur > 0]) > 1:
        raise ValueError("Choose one background: a colour, an image or a blur.")
    layer = cutout.convert("RGBA")
    if options.keep_subjects is not None:
        layer.putalpha(keep_subjects(layer.getchannel("A"), options.keep_subjects))
    subject = layer
    if options.shadow:
        shadow = shadow_layer(options.shadow, original, layer.getchannel("A"), options.shadow_style)
        layer = with_shadow(layer, shadow)  # cropping then keeps the shadow in the frame
    where = placement(layer.getchannel("A"), options)
    if options.subject_only:  # the mask: the subject alone, framed as the image with its shadow
        return where.place(subject, Image.new("RGBA", where.canvas, (0, 0, 0, 0))), where
    return where.place(layer, _background(original, options, where)), where
