"""The sample photos offered on the tool page (static/samples/, credits in LICENSES.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.staticfiles import finders


@dataclass(frozen=True)
class Sample:
    name: str
    title: str
    alt: str
    credit: str
    licence: str
    source: str

    @property
    def static_path(self) -> str:
        return f"samples/{self.name}.jpg"

    @property
    def thumb_path(self) -> str:
        return f"samples/{self.name}-thumb.jpg"

    def file_path(self) -> Path:
        found = finders.find(self.static_path)
        if not found:
            raise FileNotFoundError(self.static_path)
        return Path(found)


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
