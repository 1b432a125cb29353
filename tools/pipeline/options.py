"""Render options and the one place that turns user input into them.

The web form, the HTTP API and the ``removebg`` command all call :func:`build_render_options`,
so every check (colour syntax, one background at most, sane numbers) is written once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PIL import Image

from .shadow import MAX_ANGLE, MAX_LENGTH, MAX_SOFTNESS, MIN_ANGLE, SHADOWS, DropStyle

MAX_BLUR = 100.0
MAX_MARGIN = 2000
MAX_CANVAS_SIDE = 8000
_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_SIZE = re.compile(r"\s*(\d+)\s*[xX\u00d7]\s*(\d+)\s*")


@dataclass(frozen=True)
class RenderOptions:
    bg_color: tuple[int, int, int, int] | None = None  # RGBA; None = transparent
    bg_image: Image.Image | None = None  # cover-fit, no distortion
    blur: float = 0.0  # >0: blurred original as background (radius per 1000 px of long side)
    crop: bool = False
    margin: int = 0  # px around the subject when cropping
    keep_subjects: tuple[int, ...] | None = None  # indices from find_subjects; None = all
    size: tuple[int, int] | None = None  # output canvas (w, h), subject fitted; None = as is
    shadow: str | None = None  # "drop" | "contact" (see shadow.py); None = no shadow
    shadow_style: DropStyle = field(default_factory=DropStyle)  # how a drop shadow falls
    # The subject's alpha alone (a mask), framed exactly as the image with these options is
    # (a shadow widens a crop): every download of one setting has one size and registration.
    subject_only: bool = False


class OptionError(ValueError):
    """A bad option value; ``field`` is the build_render_options argument it is about."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def parse_hex_color(text: str) -> tuple[int, int, int, int]:
    """Parse "#rgb", "#rrggbb" or "#rrggbbaa" (the "#" is optional) into RGBA."""
    match = _HEX.fullmatch(text.strip())
    if not match:
        raise OptionError(
            f"{text!r} is not a colour; use a hex code such as #ffffff or #0a84ff.",
            field="bg_color",
        )
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    if len(digits) == 6:
        digits += "ff"
    r, g, b, a = (int(digits[i : i + 2], 16) for i in range(0, 8, 2))
    return (r, g, b, a)


def parse_size(text: str) -> tuple[int, int]:
    """Parse "1080x1080" into (1080, 1080)."""
    match = _SIZE.fullmatch(text)
    if not match:
        raise OptionError(
            f"{text!r} is not a size; use WIDTHxHEIGHT such as 1080x1080.", field="size"
        )
    if max(len(group.lstrip("0")) for group in match.groups()) > 9:  # int() stops at 4,300
        raise OptionError(f"{text[:40]!r} is far too large a size.", field="size")
    return _check_size((int(match.group(1)), int(match.group(2))))


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    if not (0 < width <= MAX_CANVAS_SIDE and 0 < height <= MAX_CANVAS_SIDE):
        raise OptionError(
            f"The output size must be between 1 and {MAX_CANVAS_SIDE} px per side.", field="size"
        )
    return (width, height)


def build_render_options(
    *,
    bg_color: str | None = None,
    bg_image: Image.Image | None = None,
    blur: float | None = None,
    crop: bool = False,
    margin: int | None = None,
    keep_subjects: tuple[int, ...] | list[int] | None = None,
    size: str | tuple[int, int] | None = None,
    shadow: str | None = None,
    shadow_angle: float | None = None,
    shadow_length: float | None = None,
    shadow_softness: float | None = None,
    subject_only: bool = False,
) -> RenderOptions:
    """Validate raw option values and return RenderOptions.

    Raises OptionError (a ValueError) with a message a person can act on and the ``field`` it
    is about. A background image is decoded by the caller, within the caller's limits.
    """
    blur = float(blur or 0.0)
    if not 0.0 <= blur <= MAX_BLUR:
        raise OptionError(f"Blur must be between 0 and {MAX_BLUR:g}.", field="blur")
    chosen = [bg_color is not None and bg_color != "", bg_image is not None, blur > 0]
    if sum(chosen) > 1:
        raise OptionError(
            "Choose one background: a colour, an image or a blur.",
            field="bg_image" if bg_image is not None else "bg_color",
        )
    margin = int(margin or 0)
    if not 0 <= margin <= MAX_MARGIN:
        raise OptionError(f"The margin must be between 0 and {MAX_MARGIN} px.", field="margin")
    if keep_subjects is not None:
        keep_subjects = tuple(int(i) for i in keep_subjects)
        if any(i < 0 for i in keep_subjects):
            raise OptionError("Subject numbers start at 0.", field="keep_subjects")
    if isinstance(size, str):
        size = parse_size(size) if size.strip() else None
    elif size is not None:
        size = _check_size((int(size[0]), int(size[1])))
    if shadow in ("", "none"):
        shadow = None
    if shadow is not None and shadow not in SHADOWS:
        raise OptionError(f"{shadow!r} is not a shadow; use none, drop or contact.", field="shadow")
    return RenderOptions(
        shadow=shadow,
        shadow_style=build_drop_style(shadow_angle, shadow_length, shadow_softness),
        subject_only=subject_only,
        bg_color=parse_hex_color(bg_color) if bg_color else None,
        bg_image=bg_image,
        blur=blur,
        crop=crop,
        margin=margin,
        keep_subjects=keep_subjects,
        size=size,
    )


# A drop shadow's settings: (lowest, highest, what a person calls it).
SHADOW_RANGES = {
    "angle": (MIN_ANGLE, MAX_ANGLE, "direction (degrees)"),
    "length": (0, MAX_LENGTH, "length (% of the subject's height)"),
    "softness": (0, MAX_SOFTNESS, "softness"),
}


def build_drop_style(
    angle: float | None = None, length: float | None = None, softness: float | None = None
) -> DropStyle:
    """A drop shadow's direction, length and softness, checked; None keeps the default."""
    default = DropStyle()
    values: dict[str, float] = {}
    for name, value in (("angle", angle), ("length", length), ("softness", softness)):
        low, high, called = SHADOW_RANGES[name]
        try:
            number = float(getattr(default, name) if value is None else value)
        except (TypeError, ValueError):
            number = float("nan")
        if not low <= number <= high:  # NaN fails this too
            raise OptionError(
                f"The shadow's {called} must be a number from {low} to {high}.",
                field=f"shadow_{name}",
            )
        values[name] = number
    return DropStyle(**values)


MAX_MARGIN_PERCENT = 100.0
_MARGIN = re.compile(r"\s*(?:(\d+)\s*(?:px)?|(\d+(?:\.\d+)?)\s*%)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Margin:
    """A crop margin in pixels, or in percent of the subject's longer side."""

    value: float = 0
    percent: bool = False

    def pixels(self, subject: tuple[int, int, int, int] | None) -> int:
        """The margin in px for a subject box (left, top, width, height), at most MAX_MARGIN."""
        if not self.percent:
            return int(self.value)
        if subject is None:
            return 0
        return min(MAX_MARGIN, round(self.value / 100.0 * max(subject[2], subject[3])))


def parse_margin(text: str | int | None) -> Margin:
    """Parse a crop margin: "20" or "20px" (pixels), "10%" (of the subject's longer side)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return Margin()
    match = _MARGIN.fullmatch(str(text))
    if not match:
        raise OptionError(
            f"{str(text)[:40]!r} is not a margin; use pixels such as 20 or 20px, or 10%.",
            field="margin",
        )
    if match.group(1) is not None:
        digits = match.group(1).lstrip("0") or "0"
        # Compare digit counts first: int() refuses over 4,300 digits (a 500, not a message).
        if len(digits) > len(str(MAX_MARGIN)) or int(digits) > MAX_MARGIN:
            raise OptionError(f"The margin must be between 0 and {MAX_MARGIN} px.", field="margin")
        return Margin(value=int(digits))
    percent = float(match.group(2))
    if percent > MAX_MARGIN_PERCENT:
        raise OptionError(
            f"A margin in percent must be between 0 and {MAX_MARGIN_PERCENT:g}%.", field="margin"
        )
    return Margin(value=percent, percent=True)
