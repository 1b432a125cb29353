"""What POST /api/v1/remove-background answers with: a finished call's output file and facts.

The worker made it (services/cutouts.py) and left the bytes in the job's folder; the view
answers them (tools/api/streaming.py) with these facts as headers or JSON fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.pipeline.formats import OUTPUTS

CONTENT_TYPES = {name: fmt.content_type for name, fmt in OUTPUTS.items()}


@dataclass(frozen=True)
class Removal:
    data: bytes
    format: str  # png, webp, jpg or mask
    width: int
    height: int
    foreground: tuple[int, int, int, int]  # (left, top, width, height) in the output image
    seconds: float  # decoding, removal, compositing and encoding
    scaled_from: tuple[int, int] | None = None  # the upload's size, when it was scaled down
    # A stored result leaves its bytes in this file (data is b""): the web process streams it.
    path: str = ""

    @property
    def content_type(self) -> str:
        return OUTPUTS[self.format].content_type

    @property
    def filename(self) -> str:
        suffix = "-mask" if self.format == "mask" else ""
        return f"pixelforge{suffix}.{OUTPUTS[self.format].extension}"
