"""PixelForge's background-removal pipeline: a plain library, no Django imports.

decode (load_image) -> segment + matte (remove_background) -> composite (render) -> encode.
"""

from . import options
from .composite import cover_fit, placement, render
from .decode import Decoded, DecodeLimits, decode_image, load_image
from .encode import encode
from .errors import ImageTooLarge, ModelUnavailable, PipelineError, UnreadableImage
from .manifest import DEFAULT_MODEL, MODELS, get_spec
from .options import (
    Margin,
    OptionError,
    RenderOptions,
    build_render_options,
    parse_hex_color,
    parse_margin,
    parse_size,
)
from .remove import Cutout, remove_background
from .sessions import configure, get_session
from .subjects import Subject, find_subjects, keep_subjects, subject_bbox
from .warmup import warmup

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "Cutout",
    "DecodeLimits",
    "Decoded",
    "ImageTooLarge",
    "Margin",
    "ModelUnavailable",
    "OptionError",
    "PipelineError",
    "RenderOptions",
    "Subject",
    "UnreadableImage",
    "build_render_options",
    "configure",
    "cover_fit",
    "decode_image",
    "encode",
    "find_subjects",
    "get_session",
    "get_spec",
    "keep_subjects",
    "load_image",
    "options",
    "parse_hex_color",
    "parse_margin",
    "parse_size",
    "placement",
    "remove_background",
    "render",
    "subject_bbox",
    "warmup",
]
