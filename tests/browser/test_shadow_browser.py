"""Shadows on the result page in Chromium, on a product photo (a mug on a table, with and
without its shadow): the drop shadow falls on the floor beside the base, "keep the real shadow"
brings back the photo's own shadow and adds nothing where there was none. Screenshots at 375 and
1280 px of each mode: test-artifacts/shadow-<photo>-<mode>-<width>.png (look at them)."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.test_pipeline_shadow import mug_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULT = re.compile(r".*/tools/remove-background/r/[0-9a-f-]{36}/$")


def open_result(page, live_server, path) -> str:
    page.goto(live_server.url + "/")
    page.locator("#id_image").set_input_files(path)
    page.wait_for_url(RESULT)
    page.locator("[data-canvas]").wait_for(state="visible")
    return page.url


def choose(page, label: str) -> None:
    page.locator(".segment", has_text=label).click()
    page.get_by_text("Saved. Downloads use these settings.").wait_for()


def preview(page, url: str) -> np.ndarray:
    data = page.request.get(url + "view/result/").body()
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def shoot(page, artifacts, name: str) -> None:
    for width, height in ((375, 800), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=artifacts / f"shadow-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("with_shadow", [True, False], ids=["on-its-shadow", "floating"])
def test_each_shadow_mode_on_a_product_photo(page, live_server, artifacts, tmp_path, with_shadow):
    path = tmp_path / "mug.jpg"
    mug_scene(with_shadow).save(path, quality=92)
    name = "mug" if with_shadow else "mug-floating"
    url = open_result(page, live_server, path)
    choose(page, "Colour")
    plain = preview(page, url)
    shoot(page, artifacts, f"{name}-none")

    choose(page, "Keep the real shadow")
    real = preview(page, url)
    shoot(page, artifacts, f"{name}-contact")
    under = (slice(198, 206), slice(120, 190))  # the table just under the mug's base
    darker = plain[under].mean() - real[under].mean()
    if with_shadow:
        assert darker > 20  # the photo's shadow, kept
    else:
        assert np.abs(plain - real).max() < 6  # no shadow in the photo: nothing added

    assert page.locator(".shadow-style").is_hidden()  # settings only for the drop shadow
    choose(page, "Soft shadow")
    assert page.locator(".shadow-style").is_visible()
    drop = preview(page, url)
    shoot(page, artifacts, f"{name}-drop")
    beside = (slice(175, 197), slice(205, 240))  # the floor right of the base (default angle)
    above = (slice(5, 60), slice(100, 210))  # the wall above the mug: no glow
    assert plain[beside].mean() - drop[beside].mean() > 10
    assert np.abs(plain[above] - drop[above]).max() < 4

    page.locator("#id_shadow_angle").fill("-90")
    page.locator("#id_shadow_angle").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('[data-save-status]').textContent"
                           ".startsWith('Saved')")  # fmt: skip
    left = preview(page, url)
    left_of_base = (slice(175, 197), slice(75, 108))
    assert plain[left_of_base].mean() - left[left_of_base].mean() > 10
    shoot(page, artifacts, f"{name}-drop-left")
