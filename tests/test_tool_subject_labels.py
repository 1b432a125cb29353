"""Subjects are labelled once per cut-out, by the worker, and every render reads the stored map.

One job (the two-subject scene, real model) is made through the upload form with a spy on the
labelling function; then previews, downloads and subject files are asked for, a subject is
removed (a refine revision), and the counts and the pixels are checked.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from tests.tool_helpers import create_job, open_image, result_url
from tools import pipeline
from tools.models import Job, job_dir
from tools.pipeline import subjects as subjects_module
from tools.services import labels, storage
from tools.services.compositing import open_original
from tools.services.jobs import THUMB_SIDE, preview_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def labelled(monkeypatch) -> list[tuple[int, int]]:
    """Every labelling of an alpha, as its size: a spy around the real function."""
    calls: list[tuple[int, int]] = []
    real = subjects_module._components

    def spy(alpha: Image.Image, min_area_fraction: float):
        calls.append(alpha.size)
        return real(alpha, min_area_fraction)

    monkeypatch.setattr(subjects_module, "_components", spy)
    return calls


def as_before_full(job: Job, index: int) -> Image.Image:
    """A subject download the way it was made before maps were stored: labelling the alpha."""
    options = pipeline.RenderOptions(keep_subjects=(index,), crop=True)
    return pipeline.render(open_original(job), storage.open_image(job, "cutout"), options)


def test_subjects_are_labelled_once_and_renders_reuse_the_map(client, labelled):
    job = create_job(client)
    # The worker labels the cut-out once: a photo within the preview size is its own preview,
    # so its map and its cut-out are stored for both sizes, encoded once; then never again.
    assert preview_of(Image.new("L", (360, 240))).size == (360, 240)
    assert labelled == [(360, 240)]
    assert len(job.subjects) == 2
    names = default_storage.listdir(job_dir(job.code))[1]
    assert {"labels.png", "labels-preview.png"} <= set(names)
    folder = job_dir(job.code)
    assert storage.read_path(f"{folder}/labels-preview.png") == storage.read_path(
        f"{folder}/labels.png"
    )
    assert storage.read_bytes(job, "cutout_preview") == storage.read_bytes(job, "cutout")
    labelled.clear()

    url = result_url(job)
    responses = [
        client.get(url + "view/cutout/?keep=1"),
        client.get(url + "subjects/0/"),
        client.get(url + "subjects/1/"),
        client.get(url + "subjects/0/thumb/"),
    ]
    green = {"background": "color", "bg_color": "#00ff00", "size": "original", "keep": [0]}
    client.post(url, green)
    responses += [client.get(url + "view/result/"), client.get(url + "download/png/")]
    assert [r.status_code for r in responses] == [200] * len(responses)
    assert labelled == []  # no render labelled the alpha again

    # The pixels are those of labelling the alpha on each render, as before.
    for index in (0, 1):
        response = client.get(url + f"subjects/{index}/")
        assert np.array_equal(
            np.asarray(open_image(response.content)), np.asarray(as_before_full(job, index))
        )
    small = preview_of(open_original(job))
    small_cutout = storage.open_image(job, "cutout_preview")
    options = pipeline.RenderOptions(keep_subjects=(1,), crop=True)
    thumb = preview_of(pipeline.render(small, small_cutout, options), THUMB_SIDE)
    stored = open_image(client.get(url + "subjects/1/thumb/").content)
    assert np.array_equal(np.asarray(stored), np.asarray(thumb))
    kept = open_image(client.get(url + "view/cutout/?keep=1").content)
    expected = pipeline.keep_subjects(small_cutout.getchannel("A"), (1,))
    assert np.array_equal(np.asarray(kept.getchannel("A")), np.asarray(expected))
    labelled.clear()

    # A refine revision labels its own cut-out once and stores its own maps.
    response = client.post(url + "refine/", {"action": "remove_subject", "subject": 0, "base": 0})
    assert response.status_code in (200, 302)
    assert labelled == [(360, 240)]  # within the preview size: one map for both sizes
    names = set(default_storage.listdir(job_dir(job.code))[1])
    assert {"rev-0-labels.png", "rev-1-labels.png", "rev-1-labels-preview.png"} <= names
    job.refresh_from_db()
    current = labels.load(job, preview=False)
    assert np.array_equal(
        current.index_map,
        np.asarray(Image.open(default_storage.open(f"{job_dir(job.code)}/rev-1-labels.png"))),
    )
    labelled.clear()
    client.get(url + "download/png/")
    assert labelled == []
    # Undo: revision 0's map becomes the job's again.
    client.post(url + "refine/", {"action": "use", "revision": 0})
    job.refresh_from_db()
    assert len(job.subjects) == 2
    assert labels.load(job, preview=False).index_map.max() == 2
