"""Pictures shipped with the site under static/<folder>/: NAME.jpg and its NAME-thumb.jpg."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from django.contrib.staticfiles import finders


class StaticImage:
    """Mixed into the frozen dataclasses of the background library and the sample photos."""

    folder: ClassVar[str]
    name: str

    @property
    def static_path(self) -> str:
        return f"{self.folder}/{self.name}.jpg"

    @property
    def thumb_path(self) -> str:
        return f"{self.folder}/{self.name}-thumb.jpg"

    def file_path(self) -> Path:
        found = finders.find(self.static_path)
        if not found:
            raise FileNotFoundError(self.static_path)
        return Path(found)
