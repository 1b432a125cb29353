"""The refine page through Django's test client: strokes, subjects, history, limits, errors.

Each test makes its own job through the upload form (the two-subject scene, 360 x 240, real
model: about a second), so each starts from an original cut-out.
"""

from __future__ import annotations

import io
import uuid

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.tool_helpers import create_job, open_image, result_url
from tools.models import Job, Revision
from tools.services import refine as service
from tools.services import refine_queue

pytestmark = pytest.mark.django_db

SIZE = (360, 240)  # the scene: red disc x 29..137, blue block x 223..324, y 60..180


def png(values: np.ndarray, mode: str = "L") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.fromarray(values.astype(np.uint8), mode).save(out, "PNG")
    return SimpleUploadedFile("strokes.png", out.getvalue(), content_type="image/png")


def strokes(value: int, box: tuple[int, int, int, int], size=SIZE) -> np.ndarray:
    """A mask of ``size`` with ``value`` in box (left, top, right, bottom)."""
    mask = np.zeros(size[::-1], dtype=np.uint8)
    left, top, right, bottom = box
    mask[top:bottom, left:right] = value
    return mask


def alpha_of(client, job: Job) -> np.ndarray:
    response = client.get(f"{result_url(job)}download/png/")
    assert response.status_code == 200
    return np.asarray(open_image(response.content).getchannel("A")).astype(int)


def refine_url(job: Job) -> str:
    return f"{result_url(job)}refine/"


@pytest.fixture
def job(client):
    return create_job(client)


def post_json(client, job, data, **extra):
    return client.post(refine_url(job), data, HTTP_ACCEPT="application/json", **extra)


def test_it_shows_the_page_with_history_and_subject_forms(client, job):
    response = client.get(refine_url(job))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Refine the cut-out" in html
    assert 'name="action" value="remove_subject"' in html
    assert "Remove subject 2" in html
    assert "Restore the original cut-out" in html
    assert f'data-width="{SIZE[0]}"' in html
    assert "refine.js" in html
    assert not job.revisions.exists()  # looking writes nothing
    result = client.get(result_url(job)).content.decode()
    assert f'href="{refine_url(job)}"' in result


def test_a_stroke_changes_the_download_there_and_only_near_it(client, job):
    before = alpha_of(client, job)
    # Remove across the middle of the blue block, sent at half size (scaled to fit).
    half = strokes(2, (105, 56, 170, 64), size=(180, 120))
    response = post_json(client, job, {"action": "strokes", "strokes": png(half), "base": 0})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == 1 and body["undo"] == 0 and body["redo"] is None
    assert body["description"] == "Removed an area"
    assert body["cutout"].endswith(f"?v={Job.objects.get(pk=job.pk).options_version}")
    after = alpha_of(client, job)
    assert before[120, 230:320].min() > 200 and after[120, 230:320].max() < 20
    rows, cols = np.nonzero(after != before)
    assert rows.min() > 70 and rows.max() < 170 and cols.min() > 150
    assert ((after[90:110, 240:310] > 10) & (after[90:110, 240:310] < 245)).any()  # matted
    # The page's preview follows, and revision 0 keeps the original.
    preview = open_image(client.get(body["cutout"]).content)
    assert np.asarray(preview.getchannel("A"))[120, 270] < 20
    job.refresh_from_db()
    assert [r.number for r in job.revisions.all()] == [0, 1]
    assert job.revisions.get(number=1).box[0] > 150


def test_undo_redo_and_restore_switch_the_downloads(client, job):
    before = alpha_of(client, job)
    post_json(client, job, {"action": "strokes", "strokes": png(strokes(1, (150, 100, 200, 140)))})
    changed = alpha_of(client, job)
    assert (changed != before).any()
    # Without JavaScript: plain form posts, redirected back to the page.
    response = client.post(refine_url(job), {"action": "use", "revision": 0})
    assert response.status_code == 302 and response["Location"].endswith("/refine/#editor")
    assert (alpha_of(client, job) == before).all()
    html = client.get(refine_url(job)).content.decode()
    assert "Redo" in html and 'name="revision" value="1"' in html
    body = post_json(client, job, {"action": "use", "revision": 1}).json()
    assert body == {**body, "revision": 1, "undo": 0, "redo": None}
    assert (alpha_of(client, job) == changed).all()


def test_removing_a_subject_keeps_the_other_and_renumbers(client, job):
    job.refresh_from_db()
    assert len(job.subjects) == 2
    blue = next(s for s in job.subjects if s["box"][0] > 180)
    response = client.post(
        refine_url(job), {"action": "remove_subject", "subject": blue["index"], "base": 0}
    )
    assert response.status_code == 302
    alpha = alpha_of(client, job)
    assert alpha[:, 200:].max() == 0  # the block and its soft edge are gone
    assert alpha[120, 80] == 255  # the disc stays
    job.refresh_from_db()
    assert len(job.subjects) == 1
    assert job.revisions.get(is_current=True).description.startswith("Removed subject")
    assert client.get(f"{result_url(job)}subjects/1/").status_code == 404


def test_it_refuses_bad_masks_with_clear_messages(client, job):
    cases = [
        ({"action": "strokes", "strokes": png(strokes(3, (0, 0, 10, 10)))}, 400, "0 (untouched)"),
        ({"action": "strokes", "strokes": png(np.zeros((100, 100)))}, 400, "proportions"),
        ({"action": "strokes", "strokes": png(np.zeros(SIZE[::-1]))}, 400, "at least one"),
        (
            {"action": "strokes", "strokes": SimpleUploadedFile("s.png", b"nope")},
            400,
            "could not be read",
        ),
        ({"action": "strokes"}, 422, "mask image"),
        ({"action": "dance"}, 422, "valid choice"),
        ({"action": "use", "revision": 7}, 404, "no such version"),
        ({"action": "remove_subject", "subject": 9}, 404, "no such subject"),
    ]
    for data, status, text in cases:
        response = post_json(client, job, data)
        assert response.status_code == status, (data, response.content)
        assert text in " ".join(response.json()["errors"]).lower() or text in str(
            response.json()
        ), response.content
    # Without JavaScript the page itself says it, with the same status.
    response = client.post(refine_url(job), {"action": "use", "revision": 7})
    assert response.status_code == 404 and b"no such version" in response.content.lower()


def test_a_mask_over_the_size_cap_is_refused_before_decoding(client, job, monkeypatch):
    monkeypatch.setattr(service, "MAX_MASK_BYTES", 100)
    noise = np.random.default_rng(0).integers(0, 3, SIZE[::-1])
    response = post_json(client, job, {"action": "strokes", "strokes": png(noise)})
    assert response.status_code == 413
    assert "too large" in response.json()["errors"][0]


def test_a_stale_tab_and_the_revision_limit_are_explained(client, job, monkeypatch):
    mask = png(strokes(1, (150, 100, 200, 140)))
    first = post_json(client, job, {"action": "strokes", "strokes": mask, "base": 0})
    assert first.status_code == 200
    mask.seek(0)
    stale = post_json(client, job, {"action": "strokes", "strokes": mask, "base": 0})
    assert stale.status_code == 409 and "another tab" in stale.json()["errors"][0]
    monkeypatch.setattr(service, "MAX_REVISIONS", 1)
    mask.seek(0)
    full = post_json(client, job, {"action": "strokes", "strokes": mask, "base": 1})
    assert full.status_code == 422 and "limit of 1 refinements" in full.json()["errors"][0]


def test_an_expired_or_deleted_job_cannot_be_refined(client, job):
    post_json(client, job, {"action": "strokes", "strokes": png(strokes(1, (150, 100, 200, 140)))})
    folder = Job.objects.get(pk=job.pk)
    from django.core.files.storage import default_storage

    names = default_storage.listdir(f"jobs/{folder.code}")[1]
    assert {"rev-0-alpha.png", "rev-1-cutout.png"} <= set(names)
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    assert client.get(refine_url(job)).status_code == 404
    response = post_json(client, job, {"action": "use", "revision": 0})
    assert response.status_code == 404
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() + timezone.timedelta(hours=1))
    client.post(f"{result_url(job)}delete/")
    assert not Revision.objects.filter(job_id=job.pk).exists()
    assert not default_storage.exists(f"jobs/{folder.code}/rev-1-cutout.png")


def test_refine_requests_are_rate_limited(client, job, settings):
    from django.core.cache import caches

    caches[settings.PIXELFORGE_RATELIMIT_CACHE].clear()  # other tests' requests counted too
    settings.PIXELFORGE_REFINE_RATE_LIMIT = "1/min"
    assert post_json(client, job, {"action": "use", "revision": 0}).status_code == 200
    response = post_json(client, job, {"action": "use", "revision": 0})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_a_refine_task_goes_ahead_of_queued_uploads_on_the_database_backend(settings):
    from django_tasks_db.models import DBTaskResult

    from tools import tasks
    from tools.services import queue
    from tools.services.background_uploads import BACKGROUND_PRIORITY

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    waiting = [tasks.process_job.enqueue(str(uuid.uuid4())) for _ in range(2)]
    refine = refine_queue.enqueue_action(str(uuid.uuid4()), {"action": "use", "revision": 0})
    # A visitor's background image is decoded first of all (background_uploads.store_upload).
    background = queue.ahead(tasks.prepare_background, BACKGROUND_PRIORITY).enqueue("x")
    order = list(DBTaskResult.objects.ready().values_list("id", flat=True))
    expected = [background.id, refine.id, waiting[0].id, waiting[1].id]
    assert [str(i) for i in order] == expected


@pytest.mark.django_db(transaction=True)
def test_one_action_per_job_in_flight_holds_under_concurrent_requests(client, settings, tmp_path):
    # The in-flight mark was the file cache's add (read, then write): several concurrent strokes
    # on one job could all be queued. It is a shared lock now (tools/services/counters.py).
    from pixelforge import settings as project_settings
    from tests.test_ratelimit import FILE_CACHE, at_once

    done = create_job(client)
    settings.CACHES = {"default": {"BACKEND": FILE_CACHE, "LOCATION": str(tmp_path)}}
    settings.TASKS = project_settings.TASKS  # queued for real; no worker takes them here
    settings.PIXELFORGE_REFINE_WAIT_SECONDS = 1
    settings.PIXELFORGE_DISK_BUDGET_MB = 0  # straight to the in-flight mark, all at once

    def action() -> int:
        try:
            refine_queue.queue_action(done, {"action": "use", "revision": 0})
        except service.RefineError as exc:
            return exc.status
        return 200

    answers = at_once(40, action)
    assert sorted(answers) == [429] * 39 + [503]  # one queued (and not answered in time)
