"""The home page takes a photo itself (issue 22): picked, dropped or pasted, it goes straight to
the job, through the tool page's own upload script (static/js/upload.js)."""

from __future__ import annotations

import base64

import pytest

from tests.browser.test_tool_browser import RESULT, drop_or_paste_script
from tests.tool_helpers import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "from home.jpg"
    path.write_bytes(image_bytes("JPEG"))
    return path


def test_a_photo_dropped_on_the_home_page_opens_its_job(page, live_server, artifacts):
    page.goto(live_server.url + "/")
    page.screenshot(path=artifacts / "home-upload-1280.png", full_page=True)
    page.evaluate("() => document.body.dispatchEvent(new DragEvent('dragenter', {bubbles: true}))")
    assert "is-dragging" in page.evaluate("() => document.body.className")
    page.evaluate(drop_or_paste_script("drop"), base64.b64encode(image_bytes("PNG")).decode())
    page.wait_for_url(RESULT)
    assert "dropped.png" in page.content()


def test_a_photo_pasted_on_the_home_page_opens_its_job(page, live_server, artifacts):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/")
    page.screenshot(path=artifacts / "home-upload-375.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    # On a phone the form is on the first screen: the button to pick a photo is visible.
    box = page.get_by_text("Choose a photo", exact=True).bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800
    page.evaluate(drop_or_paste_script("paste"), base64.b64encode(image_bytes("PNG")).decode())
    page.wait_for_url(RESULT)


def test_a_photo_picked_on_the_home_page_opens_its_job(page, live_server, photo):
    page.goto(live_server.url + "/")
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Choose a photo", exact=True).click()
    chooser.value.set_files(photo)
    page.wait_for_url(RESULT)
    assert "from home.jpg" in page.locator(".result-meta").inner_text()


def test_a_wrong_file_is_refused_on_the_home_page_before_uploading(page, live_server, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    page.goto(live_server.url + "/")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method))
    page.locator("#id_image").set_input_files(text)
    assert "not an image we accept" in page.locator("[data-upload-errors]").inner_text()
    assert "POST" not in requests


def test_the_home_page_form_works_without_javascript(browser, live_server, photo, artifacts):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.screenshot(path=artifacts / "home-upload-nojs-1280.png", full_page=True)
    page.locator("#id_image").set_input_files(photo)
    page.locator("[data-upload-submit]").click()
    page.wait_for_url(RESULT)
    context.close()
