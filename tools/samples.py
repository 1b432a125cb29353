"""The sample photos offered on the tool page (static/samples/, credits in LICENSES.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tools.static_images import StaticImage


@dataclass(frozen=True)
class Sample(StaticImage):
    folder: ClassVar[str] = "samples"
    name: str
    title: str
    alt: str
    credit: str
    licence: str
    source: str


SAMPLES = (
    Sample(
        "cat",
        "Cat",
        "A tabby cat looking at the camera",
        "Stefan van der Walt",
        "CC0",
        "https://scikit-image.org/docs/stable/api/skimage.data.html#skimage.data.chelsea",
    ),
    Sample(
        "astronaut",
        "Astronaut",
        "Astronaut Eileen Collins in an orange flight suit in front of a flag",
        "NASA",
        "Public domain",
        "https://flic.kr/p/r9qvLn",
    ),
    Sample(
        "coffee",
        "Coffee",
        "A cup of coffee on a saucer, on a wooden table",
        "Rachel Michetti, courtesy of Pikolo Espresso Bar",
        "CC0",
        "https://scikit-image.org/docs/stable/api/skimage.data.html#skimage.data.coffee",
    ),
    Sample(
        "rocket",
        "Rocket",
        "A Falcon 9 rocket lifting off from its launch pad",
        "SpaceX",
        "Public domain",
        "https://www.flickr.com/photos/spacexphotos/16511594820/",
    ),
)
SAMPLES_BY_NAME = {sample.name: sample for sample in SAMPLES}
