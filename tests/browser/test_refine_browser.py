"""The refine page in a real headless Chromium: mouse strokes, touch strokes, pinch zoom, undo.

The scene is two solid subjects (a red disc left, a blue block right, 720 x 480). A remove
stroke across the middle of the blue block must show in the downloaded PNG there, and only
near it, with a soft (matted) edge rather than the brush's disc-shaped step.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from tests.tool_helpers import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOOL = "/tools/remove-background/"
RESULT = re.compile(r".*/tools/remove-background/r/[0-9a-f-]{36}/$")
SIZE = (720, 480)
STROKE_Y = 240  # image pixels: across the blue block (x 446..648, y 120..360)
STROKE_X = (400, 690)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "shapes.jpg"
    path.write_bytes(image_bytes("JPEG", size=SIZE))
    return path


def open_refine(page, live_server, photo) -> str:
    page.goto(live_server.url + TOOL)
    page.locator("#id_image").set_input_files(photo)
    page.wait_for_url(RESULT)
    result_url = page.url
    page.locator("[data-refine-link]").click()
    page.wait_for_selector("[data-refine][data-ready]")
    return result_url


def to_screen(page, x: float, y: float) -> tuple[float, float]:
    """Page coordinates of image pixel (x, y) while the canvas shows the whole image."""
    box = page.locator("[data-refine-canvas]").bounding_box()
    scale = min(box["width"] / SIZE[0], box["height"] / SIZE[1])
    left = box["x"] + (box["width"] - SIZE[0] * scale) / 2
    top = box["y"] + (box["height"] - SIZE[1] * scale) / 2
    return left + x * scale, top + y * scale


def download_alpha(page, result_url: str) -> np.ndarray:
    page.goto(result_url)
    with page.expect_download() as download:
        page.locator('[data-download="png"]').click()
    image = Image.open(download.value.path())
    assert image.size == SIZE
    return np.asarray(image.getchannel("A")).astype(int)


def wait_done(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-refine-status]').textContent.startsWith('Done')",
        timeout=60_000,
    )


def test_a_mouse_stroke_changes_the_download_there_and_only_near_it(
    page, live_server, photo, artifacts
):
    result_url = open_refine(page, live_server, photo)
    before = download_alpha(page, result_url)
    page.goto(result_url.rstrip("/") + "/refine/")
    page.wait_for_selector("[data-refine][data-ready]")
    page.screenshot(path=artifacts / "refine-editor-1280.png", full_page=True)

    page.keyboard.press("r")  # the remove brush
    page.locator("[data-brush-size]").fill("30")
    page.mouse.move(*to_screen(page, STROKE_X[0], STROKE_Y))
    page.mouse.down()
    for x in range(STROKE_X[0], STROKE_X[1] + 1, 10):
        page.mouse.move(*to_screen(page, x, STROKE_Y))
    page.mouse.up()
    wait_done(page)
    page.screenshot(path=artifacts / "refine-after-stroke-1280.png", full_page=True)
    assert "1. Removed an area" in page.locator("[data-revision-list]").inner_text()

    after = download_alpha(page, result_url)
    assert before[STROKE_Y, 500:600].min() > 200  # the block was there
    assert after[STROKE_Y, 470:630].max() < 20  # where drawn: removed
    rows = np.argwhere(after != before)[:, 0]
    # Only near the stroke: the brush is about 26 px wide here, its margin as much again.
    assert rows.min() > STROKE_Y - 60 and rows.max() < STROKE_Y + 60
    assert (after[:, :380] == before[:, :380]).all()  # the red disc is untouched
    # No hard brush outline: a band of partial alpha between the stroke and the block.
    above = after[STROKE_Y - 40 : STROKE_Y - 8, 480:620]
    partial = (above > 10) & (above < 245)
    assert partial.any(axis=0).mean() > 0.8

    # Undo with the keyboard brings the first version back, downloads included.
    page.goto(result_url.rstrip("/") + "/refine/")
    page.wait_for_selector("[data-refine][data-ready]")
    page.keyboard.press("Control+z")
    page.wait_for_function(
        "() => document.querySelector('[data-refine-status]').textContent.includes('version 0')"
    )
    assert (download_alpha(page, result_url) == before).all()


def test_a_touch_stroke_and_a_pinch_on_a_phone(browser, live_server, photo, artifacts):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, has_touch=True, is_mobile=True,
        device_scale_factor=2, accept_downloads=True,
    )  # fmt: skip
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        result_url = open_refine(page, live_server, photo)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        page.screenshot(path=artifacts / "refine-editor-375.png", full_page=True)
        cdp = context.new_cdp_session(page)

        def touch(kind: str, points: list[tuple[float, float]]) -> None:
            touch_points = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch_points})

        # One finger: a keep stroke over the gap between the subjects (plain background).
        page.locator("[data-brush-size]").fill("40")
        page.locator("[data-refine-canvas]").scroll_into_view_if_needed()
        start = to_screen(page, 200, 440)
        touch("touchStart", [start])
        for x in range(200, 600, 20):
            touch("touchMove", [to_screen(page, x, 440)])
        touch("touchEnd", [])
        wait_done(page)
        page.screenshot(path=artifacts / "refine-after-touch-375.png", full_page=True)

        # Two fingers: zoom, and no stroke.
        a, b = to_screen(page, 300, 200), to_screen(page, 420, 260)
        touch("touchStart", [a, b])
        for step in range(1, 6):
            touch("touchMove", [(a[0] - 8 * step, a[1]), (b[0] + 8 * step, b[1])])
        touch("touchEnd", [])
        assert page.locator("[data-zoom-value]").inner_text() != "100%"
        assert page.locator("[data-revision-list] li").count() == 2  # still one refinement
        page.screenshot(path=artifacts / "refine-zoomed-375.png")

        alpha = download_alpha(page, result_url)
        assert alpha[440, 250:550].min() > 200  # kept where the finger went
        assert alpha[20, :].max() == 0  # and nothing far from it
    finally:
        context.close()
    assert not errors, errors
