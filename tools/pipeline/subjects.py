"""Subjects: is there one in the model's map at all (``has_subject``), and separating them in an
alpha matte (connected regions, their boxes, and keeping a few)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

MAX_SUBJECTS = 254  # the largest this many are numbered; smaller regions are "other"
SUBJECT_THRESHOLD = 127  # alpha above this belongs to a subject's body
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)
# A subject is at least this many working pixels above 0.5 and this share of the image (a
# speck of a few pixels is the model's noise, not something to cut out).
MIN_SUBJECT_PIXELS = 16
MIN_SUBJECT_SIDE = 16
MIN_SUBJECT_SHARE = 1e-4


def has_subject(saliency: np.ndarray) -> bool:
    """Does the map hold a subject: more than a speck above 0.5 (``MIN_SUBJECT_*``)?

    A plain or uniform photo gives a map near zero everywhere (IS-Net's stays below 0.03 on
    flat, noisy, graded and black or white photos), so nothing is above 0.5. Images under
    ``MIN_SUBJECT_SIDE`` on a side are not judged: the model sees a few pixels blown up.
    """
    if min(saliency.shape) < MIN_SUBJECT_SIDE:
        return True
    area = saliency.size
    needed = max(1, min(MIN_SUBJECT_PIXELS, area // 16), math.ceil(MIN_SUBJECT_SHARE * area))
    return int(np.count_nonzero(saliency > 0.5)) >= needed


Box = tuple[int, int, int, int]  # (left, top, width, height)


@dataclass(frozen=True)
class Subject:
    index: int
    box: tuple[int, int, int, int]  # (left, top, width, height)
    area: int  # pixels with alpha above SUBJECT_THRESHOLD


def _components(
    alpha: Image.Image, min_area_fraction: float
) -> tuple[np.ndarray, list[tuple[int, Subject]]]:
    """Label map and (label, Subject) pairs in reading order (the MAX_SUBJECTS largest)."""
    values = np.asarray(alpha.convert("L"))
    labels, count = ndimage.label(values > SUBJECT_THRESHOLD, structure=EIGHT_CONNECTED)
    if count == 0:
        return labels, []
    areas = np.bincount(labels.ravel(), minlength=count + 1)
    min_area = max(1, int(min_area_fraction * values.size))
    slices = ndimage.find_objects(labels)
    found = []
    for label in range(1, count + 1):
        if areas[label] < min_area:
            continue
        rows, cols = slices[label - 1]
        box = (cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start)
        found.append((label, box, int(areas[label])))
    found.sort(key=lambda item: (-item[2], item[1][1], item[1][0]))
    found = reading_order(found[:MAX_SUBJECTS])  # the largest, numbered as a person reads
    subjects = [
        (label, Subject(index=i, box=box, area=area)) for i, (label, box, area) in enumerate(found)
    ]
    return labels, subjects


def reading_order(found: list[tuple[int, Box, int]]) -> list[tuple[int, Box, int]]:
    """(label, box, area) items in reading order: rows top to bottom, each left to right.

    Subjects whose vertical middles fall within the first one's height share its row (a
    teddy and a doll side by side are one row, whatever their sizes)."""
    rest = sorted(found, key=lambda item: item[1][1] + item[1][3] / 2)
    ordered: list[tuple[int, Box, int]] = []
    while rest:
        _, (_, top, _, height), _ = rest[0]
        row = [item for item in rest if item[1][1] + item[1][3] / 2 < top + height]
        ordered += sorted(row, key=lambda item: item[1][0])
        rest = [item for item in rest if item not in row]
    return ordered


OTHER_REGION = 255  # in a SubjectMap: a region that is not one of the first 254 subjects


@dataclass(frozen=True)
class SubjectMap:
    """The subjects of an alpha, labelled once: ``index_map`` holds 0 where no region is,
    ``index + 1`` on the body of subject ``index``, and OTHER_REGION on any other region
    (too small to be a subject, or past the 254th). Small enough to store with a job (a
    mostly flat L-mode PNG), so renders choose subjects without labelling the alpha again."""

    index_map: np.ndarray  # uint8, same size as the alpha
    subjects: list[Subject]

    def keep(self, alpha: Image.Image, indices: tuple[int, ...]) -> Image.Image:
        """``alpha`` with everything outside the chosen subjects made transparent.

        A subject keeps its soft fringe: pixels within a few px of its body that belong to
        no other region stay as they were."""
        codes = [i + 1 for i in set(indices) if 0 <= i < OTHER_REGION - 1]
        kept = np.isin(self.index_map, codes)
        fringe = ndimage.binary_dilation(kept, structure=EIGHT_CONNECTED, iterations=3)
        keep = kept | (fringe & (self.index_map == 0))
        values = np.asarray(alpha.convert("L")).copy()
        values[~keep] = 0
        return Image.fromarray(values, "L")

    def to_image(self) -> Image.Image:
        return Image.fromarray(self.index_map, "L")

    @classmethod
    def from_image(cls, image: Image.Image, subjects: list[Subject]) -> SubjectMap:
        return cls(np.asarray(image.convert("L")), subjects)


def label_subjects(alpha: Image.Image, *, min_area_fraction: float = 0.005) -> SubjectMap:
    """Label the connected regions of the alpha once (the costly step of choosing subjects)."""
    labels, found = _components(alpha, min_area_fraction)
    lookup = np.full(int(labels.max()) + 1, OTHER_REGION, dtype=np.uint8)
    lookup[0] = 0
    for label, subject in found:
        lookup[label] = subject.index + 1
    return SubjectMap(lookup[labels], [subject for _, subject in found])


def find_subjects(alpha: Image.Image, *, min_area_fraction: float = 0.005) -> list[Subject]:
    """Connected regions of the alpha covering at least ``min_area_fraction`` of the image,
    in reading order (left to right, then top to bottom); ``Subject.index`` is the position
    in this list: "Subject 1" on the page, in the API and in file names is index 0."""
    return [subject for _, subject in _components(alpha, min_area_fraction)[1]]


def keep_subjects(
    alpha: Image.Image, indices: tuple[int, ...], *, min_area_fraction: float = 0.005
) -> Image.Image:
    """The alpha with everything outside the chosen subjects made transparent (labelling it;
    a job's renders use its stored SubjectMap instead)."""
    return label_subjects(alpha, min_area_fraction=min_area_fraction).keep(alpha, indices)


def subject_bbox(alpha: Image.Image, *, threshold: int = 8) -> tuple[int, int, int, int] | None:
    """(left, top, width, height) of the pixels with alpha above ``threshold``, or None."""
    box = alpha.convert("L").point(lambda v: 255 if v > threshold else 0).getbbox()
    if box is None:
        return None
    left, top, right, bottom = box
    return (left, top, right - left, bottom - top)
