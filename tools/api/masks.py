"""keep_mask and remove_mask: brush strokes sent with an API request, applied after removal.

The same re-solve as the refine page (``tools.pipeline.refine``): non-zero pixels of
keep_mask are sure foreground, of remove_mask sure background, and the edge around them is
matted again. A mask may be any size with the image's proportions; it is scaled to fit.
The two parameters are declared with the others in ``tools.api.params``.
"""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from tools import pipeline
from tools.api.errors import ApiError
from tools.api.params import MASK_NAMES, RemovalRequest
from tools.pipeline import refine, strokes


def _decode(upload: UploadedFile, parameter: str, size: tuple[int, int]) -> np.ndarray:
    upload.seek(0)
    try:
        values = strokes.load_mask(
            upload,
            max_pixels=settings.PIXELFORGE_MAX_PIXELS,
            max_side=settings.PIXELFORGE_MAX_SIDE,
        )
        strokes.check_mask_size(values.shape[::-1], size)
    except pipeline.ImageTooLarge as exc:
        raise ApiError("image_too_large", str(exc), parameter=parameter) from exc
    except pipeline.UnreadableImage as exc:
        raise ApiError("unreadable_image", str(exc), parameter=parameter) from exc
    except ValueError as exc:
        raise ApiError("invalid_parameter", str(exc), parameter=parameter) from exc
    return values


def apply_masks(result: pipeline.Cutout, parsed: RemovalRequest) -> pipeline.Cutout:
    """``result`` refined with the request's masks (unchanged when it has none)."""
    uploads = {name: getattr(parsed, name) for name in MASK_NAMES}
    if not any(uploads.values()):
        return result
    size = result.original.size
    empty = np.zeros(size[::-1], dtype=bool)
    masks = {
        name: _decode(upload, name, size) if upload is not None else empty
        for name, upload in uploads.items()
    }
    refined = refine.refine_cutout(
        result.original, result.alpha, result.cutout, masks["keep_mask"], masks["remove_mask"]
    )
    return pipeline.Cutout(original=result.original, alpha=refined.alpha, cutout=refined.cutout)
