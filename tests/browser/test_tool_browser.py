"""The tool in a real headless Chromium: upload three ways, preview, compare, download."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from tests.tool_helpers import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOOL = "/tools/remove-background/"
RESULT = re.compile(r".*/tools/remove-background/r/[0-9a-f-]{36}/$")


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "two things.jpg"
    path.write_bytes(image_bytes("JPEG"))
    return path


def open_result(page, live_server, photo):
    page.goto(live_server.url + TOOL)
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Choose a photo", exact=True).click()  # the label drawn as a button
    chooser.value.set_files(photo)
    page.wait_for_url(RESULT)
    page.locator("[data-canvas]").wait_for(state="visible")


def drop_or_paste_script(kind: str) -> str:
    event = (
        "new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})"
        if kind == "drop"
        else "new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true})"
    )
    return f"""(data) => {{
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const file = new File([bytes], 'dropped.png', {{type: 'image/png'}});
        const dt = new DataTransfer();
        dt.items.add(file);
        document.body.dispatchEvent({event});
    }}"""


def canvas_pixel(page, x: int, y: int) -> list[int]:
    return page.evaluate(
        f"""() => Array.from(document.querySelector('[data-canvas]').getContext('2d')
            .getImageData({x}, {y}, 1, 1).data)"""
    )


def test_it_uploads_through_the_file_chooser(page, live_server, photo, artifacts):
    open_result(page, live_server, photo)
    assert "two things.jpg" in page.locator(".result-meta").inner_text()
    assert page.locator("[data-result-image]").is_hidden()
    page.screenshot(path=artifacts / "tool-result-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=artifacts / "tool-result-375.png", full_page=True)


def test_it_uploads_a_dropped_file(page, live_server):
    page.goto(live_server.url + TOOL)
    data = base64.b64encode(image_bytes("PNG")).decode()
    page.evaluate("() => document.body.dispatchEvent(new DragEvent('dragenter', {bubbles: true}))")
    assert "is-dragging" in page.evaluate("() => document.body.className")
    page.evaluate(drop_or_paste_script("drop"), data)
    page.wait_for_url(RESULT)
    assert "dropped.png" in page.content()


def test_it_uploads_a_pasted_image(page, live_server, artifacts):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + TOOL)
    page.screenshot(path=artifacts / "tool-upload-js-375.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    page.evaluate(drop_or_paste_script("paste"), base64.b64encode(image_bytes("PNG")).decode())
    page.wait_for_url(RESULT)


def test_it_refuses_a_wrong_file_before_uploading(page, live_server, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    page.goto(live_server.url + TOOL)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method))
    page.locator("#id_image").set_input_files(text)
    alert = page.locator("[data-upload-errors]")
    assert "not an image we accept" in alert.inner_text()
    assert "POST" not in requests


def test_the_comparison_slider_works_with_the_keyboard(page, live_server, photo):
    open_result(page, live_server, photo)
    slider = page.locator("#compare-range")
    slider.focus()
    assert slider.input_value() == "0"  # the page opens on the cut-out alone
    assert slider.get_attribute("aria-valuetext") == "Showing the result only"
    page.keyboard.press("ArrowRight")  # one key press shows a tenth of the original
    assert slider.input_value() == "10"
    assert (
        page.evaluate(
            "() => document.querySelector('[data-compare]').style.getPropertyValue('--reveal')"
        )
        == "10%"
    )
    page.keyboard.press("ArrowLeft")
    assert slider.input_value() == "0"
    page.keyboard.press("End")
    assert slider.input_value() == "100"
    reveal = page.evaluate(
        "() => document.querySelector('[data-compare]').style.getPropertyValue('--reveal')"
    )
    assert reveal == "100%"


def test_the_colour_preview_and_downloads(page, live_server, photo, artifacts):
    open_result(page, live_server, photo)
    assert canvas_pixel(page, 3, 3)[3] == 0  # transparent at first
    with page.expect_download() as download:
        page.locator('[data-download="png"]').click()
    png = Image.open(download.value.path())
    assert download.value.suggested_filename == "two-things-no-bg.png"
    assert png.size == (360, 240) and png.getchannel("A").getextrema() == (0, 255)

    page.locator(".segment", has_text="Colour").click()
    page.locator('.swatch[data-color="#000000"]').click()
    assert canvas_pixel(page, 3, 3) == [0, 0, 0, 255]
    page.evaluate(
        """() => { const input = document.querySelector('#id_bg_color');
        input.value = '#ff8800';
        input.dispatchEvent(new Event('input', {bubbles: true}));
        input.dispatchEvent(new Event('change', {bubbles: true})); }"""
    )
    assert canvas_pixel(page, 3, 3) == [255, 136, 0, 255]
    page.wait_for_function(
        "() => document.querySelector('[data-save-status]').textContent.startsWith('Saved')"
    )
    with page.expect_download() as download:
        page.locator('[data-download="jpg"]').click()
    jpeg = Image.open(download.value.path())
    r, g, b = jpeg.convert("RGB").getpixel((3, 3))
    assert r > 240 and 120 < g < 150 and b < 20
    page.screenshot(path=artifacts / "tool-result-colour-1280.png", full_page=True)


def test_the_page_works_without_javascript(browser, live_server, photo, artifacts):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.goto(live_server.url + TOOL)
    page.screenshot(path=artifacts / "tool-upload-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=artifacts / "tool-upload-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#id_image").set_input_files(photo)
    page.locator("[data-upload-submit]").click()
    page.wait_for_url(RESULT)
    assert page.locator("[data-result-image]").is_visible()

    page.locator(".segment", has_text="Colour").click()
    page.locator("#id_bg_color").fill("#00ff00")
    page.locator("[data-apply]").click()
    page.wait_for_url(re.compile(r".*/r/[0-9a-f-]{36}/#preview$"))
    src = page.locator("[data-result-image]").get_attribute("src")
    assert "view/result/?k=" in src  # the worker's stored picture of the saved choice
    preview = Image.open(io.BytesIO(page.request.get(live_server.url + src).body()))
    r, g, b = preview.convert("RGB").getpixel((3, 3))  # WebP: close to the colour
    assert r < 12 and g > 243 and b < 12
    with page.expect_download() as download:
        page.locator('[data-download="png"]').click()
    assert Image.open(download.value.path()).getpixel((3, 3)) == (0, 255, 0, 255)

    page.locator("button", has_text="Delete now").click()
    assert "were deleted" in page.content()
    context.close()
