"""keep_mask and remove_mask on POST /api/v1/remove-background, real pipeline (small images)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.api_support import FAST, configure_api, image_bytes, post, result_image, subject_image

pytestmark = pytest.mark.django_db

SIZE = (240, 180)  # a red disc, x 72..168, y 45..144, on light grey
PHOTO = image_bytes(subject_image(SIZE))


@pytest.fixture(autouse=True)
def _api(settings):
    configure_api(settings)


def mask(size: tuple[int, int], box: tuple[int, int, int, int], mode: str = "L") -> bytes:
    image = Image.new(mode, size, 0)
    ImageDraw.Draw(image).rectangle(box, fill=255 if mode == "L" else (255, 255, 255, 255))
    return image_bytes(image)


def alpha(response) -> np.ndarray:
    assert response.status_code == 200, response.content
    return np.asarray(result_image(response).convert("L")).astype(int)


def test_masks_correct_the_cut_out_where_given_and_only_near_it(client):
    plain = alpha(post(client, PHOTO, format="mask", **FAST))
    assert plain[90, 120] == 255 and plain[10, 10] == 0
    # Remove a band across the disc at full size; keep a patch of backdrop at half size.
    removed = mask(SIZE, (60, 85, 180, 95))
    kept = mask((120, 90), (5, 5, 20, 20), mode="RGBA")
    refined = alpha(post(client, PHOTO, format="mask", remove_mask=removed, keep_mask=kept, **FAST))
    assert refined[88:93, 100:140].max() < 20
    assert refined[15:35, 15:35].min() == 255
    rows, cols = np.nonzero(refined != plain)
    # The margin is twice the thickest stroke's radius (the 32 px patch): 32 px around each.
    assert rows.max() <= 95 + 32
    assert cols[rows < 53].max() <= 41 + 32  # above the band, only around the kept patch
    assert ((refined[60:85, 100:140] > 10) & (refined[60:85, 100:140] < 245)).any()  # matted


@pytest.mark.parametrize(
    ("data", "status", "code", "text"),
    [
        (b"not an image", 415, "unreadable_image", "could not be read"),
        (mask((100, 100), (0, 0, 10, 10)), 400, "invalid_parameter", "proportions"),
    ],
)
def test_bad_masks_are_refused_with_their_parameter(client, data, status, code, text):
    response = post(client, PHOTO, keep_mask=data, **FAST)
    assert response.status_code == status
    error = response.json()["errors"][0]
    assert error["code"] == code and text in error["detail"]
    assert error["source"] == {"parameter": "keep_mask"}


def test_the_masks_are_documented(client):
    document = client.get("/api/openapi.json").json()
    schema = document["paths"]["/api/v1/remove-background"]["post"]["requestBody"]["content"][
        "multipart/form-data"
    ]
    for name in ("keep_mask", "remove_mask"):
        assert schema["schema"]["properties"][name]["format"] == "binary"
        assert "non-zero" in schema["schema"]["properties"][name]["description"]
        assert name in schema["encoding"]
    page = client.get("/api/").content.decode()
    assert "keep_mask" in page and "remove_mask" in page
