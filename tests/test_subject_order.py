"""Subjects are numbered in reading order (left to right, then top to bottom), the same on the
page, in file names and in every render (issue 22: "Subject 1" was the larger one on the
right)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.tool_helpers import create_job, open_image, result_url
from tools import pipeline

pytestmark = pytest.mark.django_db


def test_subjects_are_numbered_left_to_right_then_top_to_bottom():
    alpha = Image.new("L", (400, 300), 0)
    draw = ImageDraw.Draw(alpha)
    draw.rectangle((300, 20, 380, 140), fill=255)  # top row, right, the largest
    draw.ellipse((20, 40, 70, 90), fill=255)  # top row, left, small and a little lower
    draw.rectangle((150, 10, 220, 100), fill=255)  # top row, middle
    draw.rectangle((30, 200, 120, 280), fill=255)  # bottom row, left
    draw.ellipse((250, 190, 330, 270), fill=255)  # bottom row, right
    found = pipeline.find_subjects(alpha)
    lefts = [(s.box[0], s.box[1]) for s in found]
    assert lefts == [(20, 40), (150, 10), (300, 20), (30, 200), (250, 190)]
    assert [s.index for s in found] == [0, 1, 2, 3, 4]
    labelled = pipeline.label_subjects(alpha)
    assert [s.box for s in labelled.subjects] == [s.box for s in found]
    only_first = np.asarray(labelled.keep(alpha, (0,)))
    assert only_first[65, 45] == 255 and only_first[80, 340] == 0  # index 0 is the top-left


def test_subject_one_is_the_left_one_on_the_page_and_in_its_file(client):
    """The scene: a red disc on the left (smaller) and a blue block on the right."""
    job = create_job(client)
    assert [s["box"][0] < 180 for s in job.subjects] == [True, False]
    page = client.get(result_url(job)).content.decode()
    assert 'name="keep" value="0"' in page and "Keep subject 1" in page
    first = page.index('name="keep" value="0"')
    assert first < page.index("Keep subject 1") < page.index('name="keep" value="1"')
    response = client.get(f"{result_url(job)}subjects/0/")
    assert response.status_code == 200
    assert "photo-subject-1.png" in response["Content-Disposition"]
    pixels = np.asarray(open_image(response.content).convert("RGBA"))
    solid = pixels[..., 3] == 255
    red = pixels[solid][:, :3].mean(axis=0)
    assert red[0] > 150 and red[2] < 90  # the red disc, the left one


def test_the_page_lists_the_largest_subjects_keeping_their_numbers():
    from tools.services.jobs import MAX_LISTED_SUBJECTS
    from tools.services.labels import listed

    alpha = Image.new("L", (700, 300), 0)
    draw = ImageDraw.Draw(alpha)
    draw.rectangle((2, 2, 14, 14), fill=255)  # a crumb-sized subject, first in reading order
    for i in range(MAX_LISTED_SUBJECTS + 1):
        x = 20 + i * 50
        draw.rectangle((x, 100, x + 30 + i, 160), fill=255)
    subject_map = pipeline.label_subjects(alpha, min_area_fraction=0.0005)
    shown = listed(subject_map)
    assert len(shown) == MAX_LISTED_SUBJECTS
    assert [s["index"] for s in shown] == sorted(s["index"] for s in shown)
    assert 0 not in {s["index"] for s in shown}  # the crumb is subject 1 but not among the largest
