"""The pipeline's own exceptions: ``str(exc)`` is a message a visitor can act on."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class for every error the pipeline raises on purpose."""


class UnreadableImage(PipelineError):
    """The input is not an image we can decode."""


class ImageTooLarge(PipelineError):
    """The input is over the pixel count or side length limit."""


class ModelUnavailable(PipelineError):
    """A model file is missing or cannot be loaded."""


class NoSubjectFound(PipelineError):
    """The model found no subject (nothing above its threshold, or only a speck)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "No subject found: the model saw nothing to cut out in this image (a plain or "
            "uniform photo?). Try a photo with a clear subject, or the other model."
        )
