"""The tool's views, split by area: upload, result page, files."""

from tools.views.files import download, image, subject_download, subject_thumb
from tools.views.result import delete, result, status
from tools.views.upload import remove_background, sample

__all__ = [
    "delete",
    "download",
    "image",
    "remove_background",
    "result",
    "sample",
    "status",
    "subject_download",
    "subject_thumb",
]
