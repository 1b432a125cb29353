"""Every background mode times every download, on a one-subject and a two-subject photo.

Each test saves a background choice through the result page's form (the Django test client),
downloads one file and checks its pixels against the job's own alpha matte: inside the subject
the original's colours (opaque), outside it the chosen background. The pipeline runs once per
photo (module-scoped jobs); each test's choice is rolled back with its transaction.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image, ImageFilter
from scipy import ndimage

from tests.conftest import FIXTURES, IMMEDIATE_TASKS, LOCMEM_CACHES
from tests.tool_helpers import TOOL_URL, open_image, result_url, scene
from tools.models import Job
from tools.pipeline.composite import blur_radius
from tools.pipeline.subjects import keep_subjects, subject_bbox
from tools.services import storage

pytestmark = pytest.mark.django_db

MAGENTA = (255, 0, 255)
GREEN = (20, 160, 60)
BLUR = 20.0
MODES = ("none", "color", "image", "blur")
FORMATS = ("png", "webp", "jpg", "mask", "subject")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def _coffee() -> bytes:
    """A real photo with one subject (a coffee cup), small so the test stays quick."""
    image = Image.open(FIXTURES / "coffee.jpg").convert("RGB")
    image.thumbnail((320, 320))
    return _jpeg(image)


PHOTOS = {"one-subject": _coffee, "two-subjects": lambda: _jpeg(scene())}


class Photo:
    """A job made through the site, with what its downloads must show."""

    def __init__(self, job, subjects: int) -> None:
        self.job = job
        alpha = np.asarray(storage.open_image(job, "alpha").convert("L"))
        self.original = storage.open_image(job, "original").convert("RGB")
        self.pixels = np.asarray(self.original).astype(np.int16)
        # Well inside the subject / the old background, away from soft edges.
        self.inside = ndimage.binary_erosion(alpha >= 250, iterations=3)
        self.outside = ndimage.binary_erosion(alpha <= 5, iterations=3)
        assert self.inside.sum() > 500 and self.outside.sum() > 500
        assert len(job.subjects) == subjects
        self.subjects = []  # each subject alone: its crop box and its inside
        for subject in job.subjects:
            alone = keep_subjects(Image.fromarray(alpha), (subject["index"],))
            inside = ndimage.binary_erosion(np.asarray(alone) >= 250, iterations=3)
            self.subjects.append((subject["index"], subject_bbox(alone), inside))


@pytest.fixture(scope="module", params=list(PHOTOS))
def photo(request, django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
            PIXELFORGE_UPLOAD_RATE_LIMIT="",
            PIXELFORGE_RENDER_RATE_LIMIT="",
            TASKS=IMMEDIATE_TASKS,
            CACHES=LOCMEM_CACHES,
        ),
    ):
        client = Client()
        upload = SimpleUploadedFile("photo.jpg", PHOTOS[request.param](), "image/jpeg")
        response = client.post(TOOL_URL, {"image": upload})
        assert response.status_code == 302, response.content.decode()[:500]
        job = Job.objects.get(code=response["Location"].split("/r/")[1].strip("/"))
        subjects = 1 if request.param == "one-subject" else 2
        yield media, Photo(job, subjects)
        job.delete()


@pytest.fixture
def made(photo, settings):
    media, made = photo
    settings.MEDIA_ROOT = media
    made.job.refresh_from_db()
    return made


def choose(client, photo: Photo, mode: str) -> None:
    """Save ``mode`` the way the page does: only the fields a visitor's browser sends."""
    data = {"background": mode, "bg_color": "#ff00ff", "size": "original", "margin": "0"}
    if mode == "image":
        green = Image.new("RGB", (160, 90), GREEN)
        data["bg_image"] = SimpleUploadedFile("bg.jpg", _jpeg(green), content_type="image/jpeg")
    if mode == "blur":
        data["blur"] = str(BLUR)
    if len(photo.job.subjects) > 1:  # the page lists the subjects, all ticked
        data["subjects_listed"] = "1"
        data["keep"] = [str(s["index"]) for s in photo.job.subjects]
    response = client.post(result_url(photo.job), data)
    assert response.status_code == 302, response.content.decode()[:1000]
    photo.job.refresh_from_db()
    assert photo.job.render_options["keep"] is None


def fetch(client, photo: Photo, path: str) -> Image.Image:
    """A download by its path under the result page, e.g. download/png/ or subjects/0/."""
    if "/" not in path:
        path = f"download/{path}/"
    response = client.get(result_url(photo.job) + path)
    assert response.status_code == 200
    return open_image(response.content)


def expected_background(photo: Photo, mode: str) -> np.ndarray:
    height, width = photo.pixels.shape[:2]
    if mode == "color":
        return np.broadcast_to(np.array(MAGENTA, np.int16), (height, width, 3))
    if mode == "image":
        return np.broadcast_to(np.array(GREEN, np.int16), (height, width, 3))
    if mode == "blur":
        radius = blur_radius(photo.original.size, BLUR)
        blurred = photo.original.filter(ImageFilter.GaussianBlur(radius))
        return np.asarray(blurred).astype(np.int16)
    return np.broadcast_to(np.array((255, 255, 255), np.int16), (height, width, 3))  # JPEG


def mean_error(image: np.ndarray, expected: np.ndarray, where: np.ndarray) -> float:
    return float(np.abs(image[where][:, :3] - expected[where][:, :3]).mean())


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mode", MODES)
def test_each_download_shows_the_subject_on_the_chosen_background(client, made, mode, fmt):
    choose(client, made, mode)
    image = fetch(client, made, f"download/{fmt}/") if fmt != "subject" else None
    tolerance = 4 if fmt == "png" else 12  # WebP and JPEG are lossy
    if fmt == "mask":
        assert image.mode == "L" and image.size == made.original.size
        mask = np.asarray(image)
        assert mask[made.inside].min() >= 250  # the subject is kept...
        assert mask[made.outside].max() <= 5  # ...and only the subject
        return
    if fmt == "subject":
        # Each subject on its own: a transparent PNG cropped to it (with its soft edge, alpha
        # above 8), whatever the background.
        for index, (left, top, width, height), alone in made.subjects:
            image = fetch(client, made, f"subjects/{index}/")
            assert image.mode == "RGBA" and image.size == (width, height)
            alpha = np.asarray(image.getchannel("A"))
            inside = alone[top : top + height, left : left + width]
            assert inside.sum() > 300 and alpha[inside].min() >= 250
            outside = made.outside[top : top + height, left : left + width]
            assert not outside.any() or alpha[outside].max() <= 5
            pixels = np.asarray(image).astype(np.int16)
            crop = made.pixels[top : top + height, left : left + width]
            assert mean_error(pixels, crop, inside) < tolerance
        return

    assert image.size == made.original.size
    pixels = np.asarray(image.convert("RGBA")).astype(np.int16)
    alpha = pixels[..., 3]
    # The subject: opaque, in its own colours.
    assert alpha[made.inside].min() >= 250
    assert mean_error(pixels, made.pixels, made.inside) < tolerance
    if mode == "none" and fmt != "jpg":
        assert image.mode == "RGBA"
        assert alpha[made.outside].max() <= 5
        return
    # The background: opaque, as chosen (JPEG on white when transparent was chosen).
    assert alpha[made.outside].min() == 255
    expected = expected_background(made, mode)
    assert mean_error(pixels, expected, made.outside) < tolerance


def test_a_one_subject_photo_keeps_its_subject_after_any_save(client, made):
    """The bug: a save with no `keep` field (no checkboxes on the page) stored an empty list."""
    response = client.post(
        result_url(made.job), {"background": "none", "bg_color": "#ffffff", "size": "original"}
    )
    assert response.status_code == 302
    made.job.refresh_from_db()
    assert made.job.render_options["keep"] is None
    alpha = np.asarray(fetch(client, made, "png").getchannel("A"))
    assert alpha[made.inside].min() >= 250


def test_an_old_empty_selection_is_read_as_all_subjects(client, made):
    made.job.render_options = {"background": "color", "bg_color": "#ff00ff", "keep": []}
    made.job.save()
    pixels = np.asarray(fetch(client, made, "jpg")).astype(np.int16)
    assert mean_error(pixels, made.pixels, made.inside) < 12


def test_unticking_a_subject_removes_it_from_every_download(client, made):
    if len(made.job.subjects) < 2:
        pytest.skip("needs two subjects")
    data = {"background": "color", "bg_color": "#ff00ff", "size": "original"}
    data.update(subjects_listed="1", keep=["1"])
    assert client.post(result_url(made.job), data).status_code == 302
    left, top, width, height = made.job.subjects[0]["box"]
    gone = np.zeros_like(made.inside)
    gone[top : top + height, left : left + width] = True
    gone &= made.inside
    kept = made.inside & ~gone
    for fmt in ("png", "jpg"):
        pixels = np.asarray(fetch(client, made, fmt).convert("RGB")).astype(np.int16)
        magenta = np.broadcast_to(np.array(MAGENTA, np.int16), pixels.shape)
        assert mean_error(pixels, magenta, gone) < 12
        assert mean_error(pixels, made.pixels, kept) < 12
    mask = np.asarray(fetch(client, made, "mask"))
    assert mask[gone].max() <= 5 and mask[kept].min() >= 250
