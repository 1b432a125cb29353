"""Does matting earn its place? Composites with a known soft alpha (tests/composites.py), scored
with the benchmark's metrics, the default against ``--no-matting`` (real IS-Net)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.metrics import score
from benchmarks.seethrough import see_through
from tests.composites import furry_ball, glass_disc
from tools.pipeline import remove_background

# Issue 19's targets, not met yet on these composites (measured at 2fbd407): the xfail tests
# are strict, so they fail, and must be turned into plain tests, once the target is met.
MARGIN = 0.05
PARTIAL_FLOOR = 0.40


def truth(alpha: np.ndarray) -> np.ndarray:
    return np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def furry():
    image, alpha = furry_ball()
    default = np.asarray(remove_background(image).alpha)
    plain = np.asarray(remove_background(image, matting=False).alpha)
    return (
        score(default, truth(alpha)),
        score(plain, truth(alpha)),
        see_through(default, truth(alpha)),
    )


@pytest.fixture(scope="module")
def glass():
    image, alpha = glass_disc()
    default = np.asarray(remove_background(image).alpha)
    plain = np.asarray(remove_background(image, matting=False).alpha)
    return see_through(default, truth(alpha)), see_through(plain, truth(alpha))


def test_matting_is_no_worse_than_the_map_on_fur(furry):
    default, plain, _ = furry
    assert default.mae <= plain.mae  # measured: 0.0425 against 0.0457
    assert default.edge_mae <= plain.edge_mae  # 0.120 against 0.124
    assert default.mae < 0.06  # the ball and its hairs are found at all


@pytest.mark.xfail(strict=True, reason="issue 19: matting gains 6.8% MAE but 3.6% edge MAE here")
def test_matting_beats_the_map_on_fur_by_a_margin(furry):
    default, plain, _ = furry
    assert default.mae <= (1 - MARGIN) * plain.mae
    assert default.edge_mae <= (1 - MARGIN) * plain.edge_mae


def test_the_hairs_stay_partly_transparent(furry):
    assert furry[2].partial > 0.5  # measured: 0.73


@pytest.mark.xfail(strict=True, reason="issue 19: the map itself calls 97% of the glass opaque")
def test_a_see_through_disc_stays_partial(glass):
    default, plain = glass
    assert default.partial >= PARTIAL_FLOOR
    assert default.mae <= plain.mae
