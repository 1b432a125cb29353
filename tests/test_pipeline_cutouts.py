"""What a visitor sees: the default pipeline (IS-Net + matting) on the shipped samples and hero.

The failures these would have caught: a see-through subject (the Cat at median alpha 213),
straight seams where a solved strip or box ends, a stray fragment of the background (the red
flag beside the hero), a crash when the unknown band is large (the Cat at 1024 px), and a
prediction taken from the wrong side. The pipeline runs once per image (module fixtures).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from tests.synthetic import iou, off_centre_shape
from tools.pipeline import remove_background
from tools.pipeline.matte import BACKGROUND, FOREGROUND, UNKNOWN, MatteParams, solve_alpha

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "static" / "samples"
HERO = REPO / "static" / "img" / "hero-astronaut.png"
SINGLE_SUBJECT = ("cat", "astronaut", "coffee")  # the rocket's scene has towers and lights too


def opaque_share(alpha: np.ndarray) -> float:
    """Share of the subject's inside (alpha > 127, eroded by 1% of the long side) at 255."""
    radius = max(3, round(0.01 * max(alpha.shape)))
    inside = ndimage.binary_erosion(alpha > 127, iterations=radius)
    assert inside.sum() > 500, "no subject found"
    return float((alpha[inside] == 255).mean())


def longest_seam(alpha: np.ndarray, image: Image.Image) -> int:
    """Longest straight run of a jump in alpha (>= 64) along a row or column with no edge in
    the image within 2 px (luminance step < 10): the trace of a solved box, strip or tile."""
    grey = np.asarray(image.convert("L"), dtype=np.int16)
    a = alpha.astype(np.int16)
    longest = 0
    for axis in (0, 1):
        jump = np.abs(np.diff(a, axis=axis)) >= 64
        flat = ndimage.maximum_filter(np.abs(np.diff(grey, axis=axis)), size=5) < 10
        seam = jump & flat
        runs = seam if axis == 0 else seam.T  # runs along rows of this array
        for row in runs:
            if row.any():
                edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
                longest = max(longest, int((edges[1::2] - edges[::2]).max()))
    return longest


def stray_fragments(alpha: np.ndarray) -> list[int]:
    """Sizes of opaque pieces (alpha >= 128, over 30 px) under 2% of the largest piece."""
    labels, count = ndimage.label(alpha >= 128)
    sizes = np.bincount(labels.ravel())[1:]
    if count == 0:
        return []
    return [int(s) for s in sizes if 30 < s < 0.02 * sizes.max()]


@pytest.fixture(scope="module")
def samples() -> dict[str, tuple[Image.Image, np.ndarray]]:
    out = {}
    for name in ("cat", "astronaut", "coffee", "rocket"):
        image = Image.open(SAMPLES / f"{name}.jpg").convert("RGB")
        out[name] = (image, np.asarray(remove_background(image).alpha))
    return out


@pytest.mark.parametrize("name", ["cat", "astronaut", "coffee", "rocket"])
def test_the_sample_is_opaque_inside(samples, name):
    alpha = samples[name][1]
    assert opaque_share(alpha) > 0.9
    assert alpha.min() == 0  # the background is really gone somewhere


# Not the rocket: its lattice towers are real straight edges, faint against the sky.
@pytest.mark.parametrize("name", SINGLE_SUBJECT)
def test_the_sample_has_no_seam(samples, name):
    image, alpha = samples[name]
    assert longest_seam(alpha, image) < 24


@pytest.mark.parametrize("name", SINGLE_SUBJECT)
def test_the_sample_has_no_stray_fragment(samples, name):
    assert stray_fragments(samples[name][1]) == []


def test_the_home_page_hero_is_todays_pipeline_and_clean(samples):
    hero = Image.open(HERO)
    assert hero.mode == "RGBA"
    alpha = np.asarray(hero.getchannel("A"))
    image, produced = samples["astronaut"]
    # The hero is the pipeline's own cut-out of the sample: regenerate it when the pipeline
    # changes (docs/benchmarks.md says how).
    assert alpha.shape == produced.shape
    assert np.abs(alpha.astype(int) - produced).mean() < 2
    assert opaque_share(alpha) > 0.95
    assert longest_seam(alpha, image) < 24
    assert stray_fragments(alpha) == []


def test_a_frame_filling_furry_subject_at_1024_px_is_solved_within_bounds():
    # At this size the old pipeline's incomplete Cholesky raised "more than max_nnz" (2.1 GB).
    image = Image.open(SAMPLES / "cat.jpg").convert("RGB")
    image = image.resize((1024, 681), Image.Resampling.BICUBIC)
    alpha = np.asarray(remove_background(image).alpha)
    assert alpha.shape == (681, 1024)
    assert opaque_share(alpha) > 0.9
    assert longest_seam(alpha, image) < 24
    assert stray_fragments(alpha) == []


def test_an_off_centre_asymmetric_subject_is_cut_out_where_it_is():
    image, truth = off_centre_shape()
    alpha = np.asarray(remove_background(image).alpha)
    assert iou(alpha > 127, truth) > 0.9
    assert iou(alpha[:, ::-1] > 127, truth) < 0.3  # a mirrored answer would fail
    assert alpha[~ndimage.binary_dilation(truth, iterations=4)].max() < 32


def band_problem(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A noisy image and a trimap whose unknown band is most of the frame."""
    rng = np.random.default_rng(5)
    image = rng.random((*shape, 3))
    trimap = np.full(shape, UNKNOWN)
    trimap[:, :10] = BACKGROUND
    trimap[:, -10:] = FOREGROUND
    return image, trimap


def test_a_band_larger_than_the_solver_may_see_is_solved_at_reduced_scale():
    image, trimap = band_problem((300, 400))
    fallback = np.linspace(0, 1, 400, dtype=np.float32)[None].repeat(300, axis=0)
    alpha = solve_alpha(image, trimap, fallback, MatteParams(max_unknown=5_000))
    assert alpha.shape == trimap.shape and np.isfinite(alpha).all()
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0
    assert (alpha[:, :10] == 0).all() and (alpha[:, -10:] == 1).all()
    assert alpha[:, 150:250].mean() == pytest.approx(0.5, abs=0.25)


def test_an_incomplete_cholesky_over_budget_falls_back_to_jacobi():
    image, trimap = band_problem((60, 80))
    fallback = np.full((60, 80), 0.5, dtype=np.float32)
    alpha = solve_alpha(image, trimap, fallback, MatteParams(max_nnz=100))
    assert np.isfinite(alpha).all() and alpha.min() >= 0.0 and alpha.max() <= 1.0
    assert alpha[:, 20:60].std() > 0  # really solved, not the fallback copied in
