"""tools.pipeline.guided: the box mean, guided upsampling of an alpha matte, colour deltas."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tools.pipeline.guided import (
    STRIP_ROWS,
    box,
    guided_coefficients,
    guided_upsample,
    upsample_delta,
)


def to_float(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32) / 255.0


def bilinear(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    image = Image.fromarray(values.astype(np.float32), "F")
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def test_box_is_the_window_mean_with_edges_replicated():
    values = np.random.default_rng(1).random((7, 9)).astype(np.float32)
    padded = np.pad(values, 2, mode="edge")
    expected = np.array([[padded[y : y + 5, x : x + 5].mean() for x in range(9)] for y in range(7)])
    assert np.allclose(box(values, 2), expected, atol=1e-6)


def step_scene(width: int, height: int, edge: int) -> Image.Image:
    """Dark blue left of column ``edge``, light orange right of it, with faint texture."""
    rng = np.random.default_rng(2)
    pixels = np.empty((height, width, 3), np.float32)
    pixels[:, :edge] = (30, 40, 120)
    pixels[:, edge:] = (240, 180, 60)
    pixels += rng.normal(0, 3, pixels.shape)
    return Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))


def test_guided_upsampling_follows_the_full_resolution_edge_better_than_bilinear():
    """The matte is solved on a 4x smaller image, where the edge (at column 203 of 800, not on
    the small grid) falls between pixels; the full-resolution colours put it back in place."""
    full = step_scene(800, 120, edge=203)
    small = full.resize((200, 30), Image.Resampling.LANCZOS)
    truth = np.zeros((120, 800), np.float32)
    truth[:, 203:] = 1.0
    grey = to_float(small).mean(axis=2)  # about 0.25 on the left, 0.63 on the right
    alpha_small = np.clip((grey - 0.27) / 0.34, 0.0, 1.0)  # 0 and 1, soft across the edge
    guided = guided_upsample(to_float(small), alpha_small, full, radius=2, eps=1e-4)
    plain = np.clip(bilinear(alpha_small, full.size), 0.0, 1.0)
    band = slice(183, 224)  # 20 full-resolution columns either side of the edge
    guided_error = np.abs(guided - truth)[:, band].mean()
    plain_error = np.abs(plain - truth)[:, band].mean()
    assert guided_error < 0.35 * plain_error, (guided_error, plain_error)
    # The edge is sharp where it belongs: two columns either side are already decided.
    assert guided[:, 201].max() < 0.1 and guided[:, 205].min() > 0.9


def test_a_matte_that_is_a_linear_function_of_the_colours_is_carried_up_unchanged():
    """The guided filter's local model is linear in the guide, so such a matte is reproduced
    at full size, across strip boundaries (the image is taller than STRIP_ROWS)."""
    rng = np.random.default_rng(3)
    height = STRIP_ROWS + 120
    gradient = np.linspace(0, 1, 160, dtype=np.float32)[None, :, None]
    colours = np.concatenate(
        [gradient.repeat(height, 0), rng.random((height, 160, 1)), 1 - gradient.repeat(height, 0)],
        axis=2,
    )
    full = Image.fromarray((colours * 255 + 0.5).astype(np.uint8))
    small = full.resize((80, height // 2), Image.Resampling.BILINEAR)

    def matte(pixels: np.ndarray) -> np.ndarray:
        return 0.6 * pixels[..., 0] + 0.2 * pixels[..., 1] + 0.1

    result = guided_upsample(to_float(small), matte(to_float(small)), full, radius=2, eps=1e-6)
    assert result.shape == (height, 160)
    assert np.abs(result - matte(to_float(full))).max() < 0.02


def test_upsample_delta_keeps_the_full_image_where_nothing_changed_and_adds_the_change():
    full = step_scene(120, 80, edge=50)
    small = full.resize((30, 20), Image.Resampling.LANCZOS)
    old = to_float(small)
    assert np.array_equal(upsample_delta(old, old, full), np.asarray(full))
    brighter = upsample_delta(np.clip(old + 0.1, 0, 1), old, full).astype(int)
    lifted = brighter - np.asarray(full).astype(int)
    unclipped = np.asarray(full) < 200
    assert np.abs(lifted[unclipped] - 26).max() <= 1  # 0.1 * 255, rounded


def test_box_matches_the_window_mean_for_every_radius_and_channels():
    """The sum of shifted views (small radii) and scipy's running mean (larger) agree with the
    plain window mean, per channel."""
    values = np.random.default_rng(3).random((11, 13, 3)).astype(np.float32)
    for radius in (1, 3, 4, 6):
        padded = np.pad(values, ((radius, radius), (radius, radius), (0, 0)), mode="edge")
        side = 2 * radius + 1
        expected = np.array(
            [
                [padded[y : y + side, x : x + side].mean(axis=(0, 1)) for x in range(13)]
                for y in range(11)
            ]
        )
        assert np.allclose(box(values, radius), expected, atol=1e-6), radius


def reference_coefficients(guide: np.ndarray, source: np.ndarray, radius: int, eps: float):
    """The colour-guided filter's coefficients in float64 with numpy's general solver."""
    guide, source = guide.astype(np.float64), source.astype(np.float64)
    mean_i, mean_p = box(guide, radius), box(source, radius)
    cov_ip = box(guide * source[..., None], radius) - mean_i * mean_p[..., None]
    sigma = np.empty((*guide.shape[:2], 3, 3))
    for a in range(3):
        for b in range(3):
            sigma[..., a, b] = (
                box(guide[..., a] * guide[..., b], radius) - mean_i[..., a] * mean_i[..., b]
            )
    coeff_a = np.linalg.solve(sigma + eps * np.eye(3), cov_ip[..., None])[..., 0]
    coeff_b = mean_p - np.einsum("hwc,hwc->hw", coeff_a, mean_i)
    return box(coeff_a, radius), box(coeff_b, radius)


def test_guided_coefficients_are_the_general_solvers_on_a_photo_like_guide():
    """The closed-form 3 x 3 solve on the centred guide gives the filter of the float64
    reference: the filtered values agree far below one alpha level (1/255)."""
    rng = np.random.default_rng(4)
    guide = to_float(step_scene(160, 90, edge=70))
    source = (guide[..., 0] > 0.5).astype(np.float32) * 0.9 + rng.random((90, 160)) * 0.1
    for radius, eps in ((1, 1e-5), (1, 1e-4), (2, 1e-6)):
        coeff_a, coeff_b = guided_coefficients(guide, source, radius=radius, eps=eps)
        want_a, want_b = reference_coefficients(guide, source, radius, eps)
        got = np.einsum("hwc,hwc->hw", coeff_a, guide) + coeff_b
        want = np.einsum("hwc,hwc->hw", want_a, guide) + want_b
        assert coeff_a.dtype == np.float32
        assert np.abs(got - want).max() < 1e-4, (radius, eps)
