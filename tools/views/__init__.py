"""The tool's views, split by area: upload, result page, files, batches."""

from tools.views.batch import batch, batch_delete, batch_status, batch_thumb, batch_zip
from tools.views.files import download, image, subject_download, subject_thumb
from tools.views.result import delete, result, status
from tools.views.upload import remove_background, sample

__all__ = [
    "batch",
    "batch_delete",
    "batch_status",
    "batch_thumb",
    "batch_zip",
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
