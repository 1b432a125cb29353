"""tools.pipeline.remove_background and matting (real IS-Net, real and generated images)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.synthetic import iou, textured_disc
from tools.pipeline import (
    Cutout,
    DecodeLimits,
    NoSubjectFound,
    load_image,
    remove_background,
    warmup,
)
from tools.pipeline.matte import MatteParams, band_radius, make_trimap

FULL_SIZE = DecodeLimits.unscaled()
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]


def test_the_cutout_matches_the_input_size_and_modes():
    image = load_image(FIXTURES / "chelsea.jpg", limits=FULL_SIZE)
    result = remove_background(image)
    assert isinstance(result, Cutout)
    assert result.original.size == result.alpha.size == result.cutout.size == image.size
    assert (result.alpha.mode, result.cutout.mode) == ("L", "RGBA")
    assert result.cutout.getchannel("A").tobytes() == result.alpha.tobytes()


def test_a_clear_subject_is_cut_out_with_matting():
    image, truth = textured_disc()
    alpha = np.asarray(remove_background(image).alpha)
    assert iou(alpha > 127, truth) > 0.9
    assert alpha[~truth].mean() < 5  # the background is gone


def test_the_alpha_is_soft_along_a_fuzzy_edge():
    image, truth = textured_disc(fuzz=6.0)
    alpha = np.asarray(remove_background(image).alpha)
    yy, xx = np.mgrid[0 : truth.shape[0], 0 : truth.shape[1]]
    ring = np.abs(np.hypot(xx - 160, yy - 120) - 70) <= 2
    soft = (alpha[ring] > 0) & (alpha[ring] < 255)
    assert soft.mean() > 0.5
    assert iou(alpha > 127, truth) > 0.9


def test_the_cats_fur_gets_a_soft_edge():
    alpha = np.asarray(
        remove_background(load_image(FIXTURES / "chelsea.jpg", limits=FULL_SIZE)).alpha
    )
    assert ((alpha > 10) & (alpha < 245)).sum() > 500


def test_edges_carry_no_halo_of_the_old_background():
    # A red disc blended over green: the cutout's edge pixels must lose the green.
    width, height, radius = 240, 180, 60
    yy, xx = np.mgrid[0:height, 0:width]
    coverage = np.clip((radius - np.hypot(xx - 120, yy - 90)) / 4 + 0.5, 0, 1)[..., None]
    rng = np.random.default_rng(1)
    red = np.array([210, 40, 30]) + rng.normal(0, 6, (height, width, 3))
    pixels = coverage * red + (1 - coverage) * np.array([40, 200, 60])
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    cutout = np.asarray(remove_background(image).cutout).astype(float)
    edge = (cutout[..., 3] > 30) & (cutout[..., 3] < 220)
    assert edge.sum() > 50
    original = np.asarray(image).astype(float)
    assert cutout[edge, 1].mean() < original[edge, 1].mean() - 20  # less green than before


def test_matting_can_be_switched_off():
    image, truth = textured_disc()
    result = remove_background(image, matting=False, model="u2netp")
    assert result.alpha.size == image.size
    assert iou(np.asarray(result.alpha) > 127, truth) > 0.9


def test_a_large_image_is_matted_at_working_size_and_upsampled():
    image, truth = textured_disc(size=(1600, 1200), radius=350)
    started = time.perf_counter()
    result = remove_background(image)
    assert time.perf_counter() - started < 20
    assert result.alpha.size == (1600, 1200)
    assert iou(np.asarray(result.alpha) > 127, truth) > 0.95


def test_the_trimap_band_scales_with_the_image_size():
    params = MatteParams()
    assert band_radius((400, 300), params) < band_radius((4000, 3000), params)
    saliency = np.zeros((200, 300), np.float32)
    saliency[50:150, 100:200] = 1.0
    trimap = make_trimap(saliency, params)
    assert set(np.unique(trimap)) == {0.0, 0.5, 1.0}
    assert trimap[100, 150] == 1.0 and trimap[5, 5] == 0.0 and trimap[50, 150] == 0.5


def test_a_blank_image_is_no_subject_not_a_crash():
    with pytest.raises(NoSubjectFound):
        remove_background(Image.new("RGB", (80, 60), (128, 128, 128)))


@pytest.mark.parametrize("size", [(1, 1), (1, 5), (3, 2), (7, 7), (8, 8), (9, 1)])
@pytest.mark.parametrize("colour", [(255, 255, 255), (128, 128, 128), (0, 0, 0)])
def test_tiny_images_are_cut_out_without_error(size, colour):
    # A 1x1 grey or white image used to raise ZeroDivisionError inside pymatting. The small
    # model keeps this lean: the matting code path is the same for every model.
    result = remove_background(Image.new("RGB", size, colour), model="u2netp")
    assert result.alpha.size == result.cutout.size == size
    assert result.cutout.mode == "RGBA"


def test_warmup_makes_a_fresh_process_fast(tmp_path):
    warmup()  # fills the on-disk cache if it was empty
    code = (
        "import time; t = time.perf_counter();"
        "from tools.pipeline import warmup; warmup();"
        "print(time.perf_counter() - t)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert float(run.stdout.strip().splitlines()[-1]) < 15


@pytest.mark.parametrize("fixture", ["astronaut.jpg", "coffee.jpg", "rocket.jpg"])
def test_real_photos_give_a_subject(fixture):
    alpha = np.asarray(remove_background(load_image(FIXTURES / fixture, limits=FULL_SIZE)).alpha)
    covered = (alpha > 127).mean()
    assert 0.005 < covered < 0.95


def test_the_coarse_distance_errs_by_at_most_a_cell():
    from scipy.ndimage import distance_transform_edt

    from tools.pipeline.grids import far_from

    rng = np.random.default_rng(5)
    mask = np.zeros((300, 410), dtype=bool)
    mask[rng.integers(0, 300, 40), rng.integers(0, 410, 40)] = True
    mask[100:180, 150:260] = True
    reach = 31.0
    step = int(reach // 8)
    exact = distance_transform_edt(~mask)
    far = far_from(mask, reach)
    cell = step * np.sqrt(2)
    assert not (far & (exact <= reach - cell)).any()
    assert far[exact > reach + cell].all()
    assert far.sum() == pytest.approx((exact > reach).sum(), rel=0.05)


def test_the_guided_filter_solves_as_numpy_does():
    from tools.pipeline.guided import _solve_symmetric

    rng = np.random.default_rng(2)
    factors = rng.normal(size=(40, 50, 3, 3)).astype(np.float32) * 0.05
    matrix = factors @ np.swapaxes(factors, -1, -2) + 1e-4 * np.eye(3, dtype=np.float32)
    rhs = rng.normal(size=(40, 50, 3)).astype(np.float32) * 0.01
    expected = np.linalg.solve(matrix.astype(np.float64), rhs[..., None].astype(np.float64))
    upper = {(a, b): matrix[..., a, b].astype(np.float64) for a in range(3) for b in range(a, 3)}
    solved = _solve_symmetric(upper, rhs.astype(np.float64))
    assert np.allclose(solved, expected[..., 0], rtol=1e-4, atol=1e-5)
