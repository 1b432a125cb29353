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
