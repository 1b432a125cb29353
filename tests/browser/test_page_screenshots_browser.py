"""Every page at 375 and 1280 px, saved as test-artifacts/<page>-<width>.png, and the layout
promises the result page makes: the PNG download on a phone's first screen, a large preview on
a desktop, a before/after divider that follows the mouse and the arrow keys.

One photo is processed for the whole file (the waiting page, then the result and refine pages).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from blog.management.commands.load_articles import load_articles
from blog.models import Article
from tests.conftest import FIXTURES
from tools.services import processing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOOL = "/tools/remove-background/"
RESULT = re.compile(r".*/tools/remove-background/r/([0-9a-f-]{36})/$")
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
KEPT = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def photo(tmp_path):
    """A real photo (a cup on a table), small enough to process in a moment."""
    image = Image.open(FIXTURES / "coffee.jpg").convert("RGB")
    image.thumbnail((360, 360))
    path = tmp_path / "coffee cup.jpg"
    image.save(path, quality=90)
    return path


def shoot(page, artifacts, name: str) -> None:
    """Full-page screenshots at both widths; nothing may scroll sideways."""
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.screenshot(path=artifacts / f"{name}-{viewport['width']}.png", full_page=True)
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= viewport["width"], f"{name} scrolls sideways at {viewport['width']} px"


def test_every_page_at_both_widths(page, live_server, artifacts, settings, photo):
    if not Article.objects.exists():  # an earlier transactional test emptied the database
        load_articles()
    article = Article.objects.published().first()
    pages = {
        "home": "/",
        "tool": TOOL,
        "blog": "/blog/",
        "article": article.get_absolute_url(),
        "api": "/api/",
        "licences": "/licences/",
        "404": "/no-such-page/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        shoot(page, artifacts, name)

    # A phone is not told to drop files or press Ctrl+V.
    touch = page.context.browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    phone = touch.new_page()
    phone.goto(live_server.url + TOOL)
    # One screen: a full-page shot loses the touch emulation.
    phone.screenshot(path=artifacts / "tool-touch-375.png")
    words = phone.locator("[data-upload]").inner_text()
    assert "Pick a photo" in words and "Drop" not in words and "Ctrl+V" not in words
    touch.close()

    tasks = settings.TASKS
    settings.TASKS = KEPT  # the job waits, so the waiting page can be seen
    page.goto(live_server.url + TOOL)
    page.locator("#id_image").set_input_files(photo)
    page.wait_for_url(RESULT)
    shoot(page, artifacts, "waiting")
    processing.run_job(RESULT.match(page.url).group(1))
    settings.TASKS = tasks  # downloads render at once again
    page.locator("[data-canvas]").wait_for(state="visible")
    result_url = page.url
    shoot(page, artifacts, "result")

    page.set_viewport_size(PHONE)
    page.goto(result_url)
    page.locator("[data-canvas]").wait_for(state="visible")
    # The result first: on the cut-out alone, as wide as the screen, with the PNG download and
    # the background choices on the first screen.
    assert page.locator("#compare-range").input_value() == "0"
    assert page.locator("[data-compare]").bounding_box()["width"] == PHONE["width"]
    first = page.locator("[data-download]").first.bounding_box()
    assert first["y"] >= 0 and first["y"] + first["height"] <= PHONE["height"]
    choices = page.locator(".segment", has_text="Colour").bounding_box()
    assert choices["y"] + choices["height"] <= PHONE["height"]
    with page.expect_download() as download:
        page.locator('[data-download="png"]').click()
    png = Image.open(download.value.path())
    assert png.size == Image.open(photo).size
    assert png.getchannel("A").getextrema() == (0, 255)

    page.set_viewport_size(DESKTOP)
    assert page.locator("[data-canvas]").bounding_box()["width"] >= 700
    check_the_divider(page, artifacts, photo)

    page.locator("[data-refine-link]").click()
    page.wait_for_selector("[data-refine][data-ready]")
    shoot(page, artifacts, "refine")

    context = page.context.browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(result_url)
    assert plain.locator("[data-result-image]").is_visible()
    assert plain.locator("[data-compare-control]").is_hidden()
    shoot(plain, artifacts, "result-nojs")
    plain.goto(live_server.url + TOOL)
    shoot(plain, artifacts, "tool-nojs")
    context.close()


def sample(shot: np.ndarray, box: dict, fx: float, fy: float) -> np.ndarray:
    """The colour around a point of the preview (fractions of its box), from a screenshot."""
    x, y = int(box["x"] + fx * box["width"]), int(box["y"] + fy * box["height"])
    return shot[y - 2 : y + 3, x - 2 : x + 3, :3].reshape(-1, 3).mean(axis=0)


def screenshot(page, artifacts, name: str) -> np.ndarray:
    path = artifacts / name
    page.screenshot(path=path)
    return np.asarray(Image.open(path).convert("RGB")).astype(float)


def check_the_divider(page, artifacts, photo) -> None:
    """The before/after divider follows the mouse on the picture, and the arrow keys."""
    page.locator("[data-compare-control]").wait_for(state="visible")
    preview = page.locator("[data-compare]")
    preview.scroll_into_view_if_needed()
    box = preview.bounding_box()
    mid = box["y"] + box["height"] / 2
    # The table top, right of the cup: background in the photo, transparent in the cut-out.
    spot = (0.9, 0.1)

    page.mouse.move(box["x"] + box["width"] * 0.3, mid)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.95, mid, steps=5)
    page.mouse.up()
    slider = page.locator("#compare-range")
    assert 93 <= int(slider.input_value()) <= 97
    assert "Original on the left" in slider.get_attribute("aria-valuetext")
    original_there = sample(screenshot(page, artifacts, "divider-right.png"), box, *spot)

    page.mouse.move(box["x"] + box["width"] * 0.6, mid)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.15, mid, steps=5)
    page.mouse.up()
    assert 13 <= int(slider.input_value()) <= 17
    result_there = sample(screenshot(page, artifacts, "divider-left.png"), box, *spot)
    # Left of the divider is the photo; right of it the cut-out, transparent on a checkerboard.
    photo_colour = np.asarray(Image.open(photo).convert("RGB").resize((50, 50)))[5, 45]
    assert np.abs(original_there - photo_colour).max() < 40
    assert np.abs(original_there - result_there).max() > 40

    assert slider.evaluate("(el) => el === document.activeElement")  # a click focuses it
    value = int(slider.input_value())
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")  # a tenth of the picture a press
    assert int(slider.input_value()) == max(0, value - 20) + 10
    expected = f"{slider.input_value()}%"
    assert preview.evaluate("(el) => el.style.getPropertyValue('--reveal')") == expected
    page.keyboard.press("End")
    reveal = preview.evaluate("(el) => el.style.getPropertyValue('--reveal')")
    assert slider.input_value() == "100" and reveal == "100%"
    assert slider.get_attribute("aria-valuetext") == "Showing the original only"
    page.keyboard.press("Home")
    assert preview.evaluate("(el) => el.style.getPropertyValue('--reveal')") == "0%"
