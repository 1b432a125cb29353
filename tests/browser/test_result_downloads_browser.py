"""In Chromium: change the background as a visitor does, download, and check the file's pixels.

The saved choice comes from tool.js (fetch on every change), not from a hand-built POST: the
one-subject bug lived there (no checkboxes on the page, so an empty subject list was saved).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from tests.conftest import FIXTURES
from tests.tool_helpers import scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOOL = "/tools/remove-background/"
RESULT = re.compile(r".*/tools/remove-background/r/[0-9a-f-]{36}/$")
YELLOW = (0xFD, 0xE6, 0x8A)  # the "Yellow" preset
GREEN = (20, 160, 60)


@pytest.fixture
def coffee(tmp_path):
    """A real one-subject photo, small."""
    image = Image.open(FIXTURES / "coffee.jpg").convert("RGB")
    image.thumbnail((320, 320))
    path = tmp_path / "coffee cup.jpg"
    image.save(path, quality=92)
    return path


def open_result(page, live_server, path) -> None:
    page.goto(live_server.url + TOOL)
    page.locator("#id_image").set_input_files(path)
    page.wait_for_url(RESULT)
    page.locator("[data-canvas]").wait_for(state="visible")


def saved(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-save-status]').textContent.startsWith('Saved')"
    )


def fetch(page, fmt: str) -> Image.Image:
    with page.expect_download() as download:
        page.locator(f'[data-download="{fmt}"]').click()
    image = Image.open(download.value.path())
    image.load()
    return image


def regions(mask: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Well inside the subject and well outside it, from the downloaded mask."""
    values = np.asarray(mask)
    inside = ndimage.binary_erosion(values >= 250, iterations=3)
    outside = ndimage.binary_erosion(values <= 5, iterations=3)
    assert inside.mean() > 0.1 and outside.mean() > 0.1, "the mask lost the subject"
    return inside, outside


def mean_colour(image: Image.Image, where: np.ndarray) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(float)[where].mean(axis=0)


def label(page, fmt: str) -> str:
    return page.locator(f'[data-download="{fmt}"] small').inner_text()


def test_a_one_subject_photo_downloads_as_previewed(page, live_server, coffee, tmp_path, artifacts):
    open_result(page, live_server, coffee)
    inside, outside = regions(fetch(page, "mask"))
    original = np.asarray(Image.open(coffee).convert("RGB")).astype(float)
    subject_colour = original[inside].mean(axis=0)

    # Colour: a preset swatch saves at once; every file keeps the subject on that colour.
    page.locator(".segment", has_text="Colour").click()
    page.locator('.swatch[title="Yellow"]').click()
    saved(page)
    assert label(page, "png") == "on your colour" and label(page, "jpg") == "on your colour"
    page.screenshot(path=artifacts / "result-colour-one-subject-1280.png", full_page=True)
    mask = fetch(page, "mask")
    assert np.array_equal(regions(mask)[0], inside)
    for fmt in ("png", "webp", "jpg"):
        image = fetch(page, fmt)
        assert np.abs(mean_colour(image, outside) - YELLOW).max() < 6, fmt
        assert np.abs(mean_colour(image, inside) - subject_colour).max() < 6, fmt

    # Image: no error before a file is picked; then the picked image is the background.
    page.locator(".segment", has_text="Image").click()
    page.wait_for_timeout(300)  # a save would have answered by now
    assert page.locator("[data-form-errors]").inner_text().strip() == ""
    background = tmp_path / "green.png"
    Image.new("RGB", (200, 120), GREEN).save(background)
    page.locator("#id_bg_image").set_input_files(background)
    saved(page)
    assert label(page, "png") == "on your image"
    # The hidden file input is drawn by its label: a button, then the file's name.
    assert page.locator("[data-bg-file-name]").inner_text() == "Uploaded: green.png"
    assert page.locator(".bg-file-button").is_visible()
    page.screenshot(path=artifacts / "result-own-image-1280.png", full_page=True)
    png = fetch(page, "png")
    assert png.getchannel("A").getextrema() == (255, 255)
    assert np.abs(mean_colour(png, outside) - GREEN).max() < 3
    assert np.abs(mean_colour(png, inside) - subject_colour).max() < 3

    # Blur: opaque, the subject sharp on its own blurred photo.
    page.locator(".segment", has_text="Blurred").click()
    saved(page)
    jpeg = fetch(page, "jpg")
    assert np.abs(mean_colour(jpeg, inside) - subject_colour).max() < 6
    assert np.abs(mean_colour(jpeg, outside) - original[outside].mean(axis=0)).max() < 20

    # Back to transparent: the subject is there, the background gone; the JPEG is on white.
    page.locator(".segment", has_text="Transparent").click()
    saved(page)
    assert label(page, "png") == "transparent" and label(page, "jpg") == "on white"
    alpha = np.asarray(fetch(page, "png").getchannel("A"))
    assert alpha[inside].min() >= 250 and alpha[outside].max() <= 5
    jpeg = fetch(page, "jpg")
    assert mean_colour(jpeg, outside).min() > 245

    # A reload shows the saved choice, and the downloads still match it.
    page.reload()
    assert page.locator('input[name="background"][value="none"]').is_checked()
    webp = fetch(page, "webp")
    alpha = np.asarray(webp.getchannel("A"))
    assert alpha[inside].min() >= 250 and alpha[outside].max() <= 5


def test_a_two_subject_photo_drops_an_unticked_subject(page, live_server, tmp_path):
    path = tmp_path / "two things.jpg"
    scene().save(path, quality=92)
    open_result(page, live_server, path)
    inside, _ = regions(fetch(page, "mask"))
    page.locator(".segment", has_text="Colour").click()
    page.locator('.swatch[title="Yellow"]').click()
    saved(page)
    page.locator('input[name="keep"][value="0"]').uncheck()  # the red disc: subject 1, on the left
    saved(page)
    jpeg = fetch(page, "jpg")
    left = inside.copy()
    left[:, 180:] = False
    right = inside & ~left
    assert np.abs(mean_colour(jpeg, left) - YELLOW).max() < 8  # gone
    assert mean_colour(jpeg, right)[2] > 150  # the blue block stays
    mask = np.asarray(fetch(page, "mask"))
    assert mask[left].max() <= 5 and mask[right].min() >= 250


def test_a_library_background_and_a_shadow(page, live_server, coffee, artifacts):
    from tools.backgrounds import BACKGROUNDS_BY_NAME
    from tools.pipeline import cover_fit

    open_result(page, live_server, coffee)
    inside, outside = regions(fetch(page, "mask"))
    page.locator(".segment", has_text="Image").click()
    page.locator('.stock-item[title="Sunset"]').click()
    saved(page)
    assert page.locator('input[name="stock"][value="sunset"]').is_checked()
    png = fetch(page, "png")
    sunset = cover_fit(BACKGROUNDS_BY_NAME["sunset"].open(), png.size)
    assert np.abs(mean_colour(png, outside) - mean_colour(sunset, outside)).max() < 4
    page.screenshot(path=artifacts / "result-library-1280.png", full_page=True)

    # A shadow is drawn by the server: its preview replaces the instant canvas.
    page.locator(".segment", has_text="Soft shadow").click()
    saved(page)
    assert page.locator("[data-canvas]").is_hidden()
    assert page.locator("[data-result-image]").is_visible()
    # The worker's stored picture of the saved choice (shadow included).
    page.wait_for_function(
        "() => document.querySelector('[data-result-image]').src.includes('view/result/?k=')"
    )
    rows, cols = np.nonzero(inside)
    third = (cols.max() - cols.min()) // 3
    band = np.zeros_like(inside)
    band[rows.max() + 3 : rows.max() + 9, cols.min() + third : cols.max() - third] = True
    band &= outside
    shadowed = mean_colour(fetch(page, "jpg"), band)
    assert (shadowed < mean_colour(sunset, band) - 8).all()  # darker under the subject
    page.locator(".segment", has_text="None").click()
    saved(page)
    assert page.locator("[data-canvas]").is_visible()


def test_the_library_and_shadows_work_without_javascript(browser, live_server, coffee):
    from tools.backgrounds import BACKGROUNDS_BY_NAME
    from tools.pipeline import cover_fit

    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.goto(live_server.url + TOOL)
    page.locator("#id_image").set_input_files(coffee)
    page.locator("[data-upload-submit]").click()
    page.wait_for_url(RESULT)
    inside, outside = regions(fetch(page, "mask"))
    # No mode chosen: picking a library picture and pressing Apply means "show it".
    page.locator('.stock-item[title="Sky"]').click()
    page.locator(".segment", has_text="Soft shadow").click()
    page.locator("[data-apply]").click()
    page.wait_for_url(re.compile(r".*/r/[0-9a-f-]{36}/#preview$"))
    assert page.locator('input[name="background"][value="image"]').is_checked()
    assert label(page, "png") == "on your image"
    png = fetch(page, "png")
    sky = cover_fit(BACKGROUNDS_BY_NAME["sky"].open(), png.size)
    far = outside.copy()
    rows, _ = np.nonzero(inside)
    far[rows.max() - 20 :] = False  # away from the shadow under the cup
    assert np.abs(mean_colour(png, far) - mean_colour(sky, far)).max() < 4
    rows, cols = np.nonzero(inside)
    third = (cols.max() - cols.min()) // 3
    band = np.zeros_like(inside)
    band[rows.max() + 3 : rows.max() + 9, cols.min() + third : cols.max() - third] = True
    band &= outside
    assert (mean_colour(png, band) < mean_colour(sky, band) - 8).all()  # the shadow
    context.close()
