"""PixelForge's background-removal pipeline: a plain library, no Django imports.

decode (load_image) -> segment + matte (remove_background) -> composite (render) -> encode.
"""

from . import options
from .composite import cover_fit, placement, render, render_placed
from .decode import Decoded, DecodeLimits, decode_image, load_image
from .encode import encode
from .errors import (
    ImageTooLarge,
    ModelUnavailable,
    NoSubjectFound,
    PipelineError,
    UnreadableImage,
)
from .manifest import DEFAULT_MODEL, MODELS, get_spec
from .options import (
    Margin,
    OptionError,
    RenderOptions,
    build_drop_style,
    build_render_options,
    parse_hex_color,
    parse_margin,
    parse_size,
)
from .parallel import side_by_side
from .shadow import DropStyle
from .subjects import (
    Subject,
    SubjectMap,
    find_subjects,
    keep_subjects,
    label_subjects,
    subject_bbox,
)
from .warmup import warmup  # numba is compiled on call, pymatting imported on call

# The model side (onnxruntime) loads on first use, so a process that only composites and
# encodes (the web server) never imports it.
_LAZY = {
    "Cutout": ".remove",
    "remove_background": ".remove",
    "configure": ".sessions",
    "get_session": ".sessions",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "Cutout",
    "DecodeLimits",
    "Decoded",
    "DropStyle",
    "ImageTooLarge",
    "Margin",
    "ModelUnavailable",
    "NoSubjectFound",
    "OptionError",
    "PipelineError",
    "RenderOptions",
    "Subject",
    "SubjectMap",
    "UnreadableImage",
    "build_drop_style",
    "build_render_options",
    "configure",
    "cover_fit",
    "decode_image",
    "encode",
    "find_subjects",
    "get_session",
    "get_spec",
    "keep_subjects",
    "label_subjects",
    "load_image",
    "options",
    "parse_hex_color",
    "parse_margin",
    "parse_size",
    "placement",
    "remove_background",
    "render",
    "render_placed",
    "side_by_side",
    "subject_bbox",
    "warmup",
]
