"""The library of ready-made backgrounds on the result page (static/backgrounds/).

Gradients are PixelForge's own; the photos and textures come from the scikit-image 0.26.0
wheel's sample data (CC0 or public domain). Sources and licences: static/backgrounds/LICENSES.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from PIL import Image

from tools.static_images import StaticImage


@dataclass(frozen=True)
class Background(StaticImage):
    folder: ClassVar[str] = "backgrounds"
    name: str
    title: str
    credit: str = ""  # empty for PixelForge's own gradients

    def open(self) -> Image.Image:
        with Image.open(self.file_path()) as image:
            return image.convert("RGB")


BACKGROUNDS = (
    Background("studio-grey", "Studio grey"),
    Background("studio-warm", "Studio warm"),
    Background("sky", "Sky"),
    Background("sunset", "Sunset"),
    Background("indigo", "Indigo"),
    Background("mint", "Mint"),
    Background("deep-space", "Deep space", "NASA, Hubble eXtreme Deep Field (public domain)"),
    Background("brick", "Brick wall", "CC0 Textures, Bricks25 (CC0)"),
    Background("grass", "Grass", "linolafett on DeviantArt, Grass 01 (CC0)"),
    Background("gravel", "Gravel", "CC0 Textures, Gravel04 (CC0)"),
)
BACKGROUNDS_BY_NAME = {background.name: background for background in BACKGROUNDS}
