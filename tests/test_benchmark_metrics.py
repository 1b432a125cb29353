"""The benchmark metrics (benchmarks/metrics.py) on perfect predictions and small known cases."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import metrics


def disc(size: int = 64, radius: int = 20) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    inside = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 <= radius**2
    return np.where(inside, 255, 0).astype(np.uint8)


def test_it_gives_zero_error_and_full_f_for_a_perfect_prediction() -> None:
    gt = disc()
    scores = metrics.score(gt, gt)
    assert scores.mae == 0.0
    assert scores.sad == 0.0
    assert scores.grad == 0.0
    assert scores.edge_mae == 0.0
    assert scores.max_f == pytest.approx(1.0)


def test_it_accepts_floats_and_uint8_alike() -> None:
    gt = disc()
    pred = np.zeros_like(gt)
    assert metrics.mae(pred, gt) == pytest.approx(metrics.mae(pred / 255.0, gt / 255.0))


def test_it_computes_mae_and_sad_on_a_known_case() -> None:
    gt = np.zeros((10, 10), dtype=np.uint8)
    pred = np.zeros((10, 10), dtype=np.uint8)
    pred[:5, :] = 255  # 50 pixels wrong by 1.0
    pred[5, :2] = 51  # 2 pixels wrong by 0.2
    assert metrics.mae(pred, gt) == pytest.approx((50 + 0.4) / 100)
    assert metrics.sad(pred, gt) == pytest.approx(50.4 / 1000)


def test_it_rejects_mismatched_sizes_and_out_of_range_floats() -> None:
    with pytest.raises(ValueError):
        metrics.mae(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError):
        metrics.mae(np.full((4, 4), 2.0), np.zeros((4, 4)))


def test_it_scores_the_inverted_mask_with_the_worst_mae() -> None:
    gt = disc()
    inverted = 255 - gt
    assert metrics.mae(inverted, gt) == 1.0
    assert metrics.edge_mae(inverted, gt) == 1.0


def test_it_computes_max_f_on_a_known_case() -> None:
    # GT: 4 positives. Prediction ranks 2 of them and 2 negatives highest.
    gt = np.array([[255, 255, 255, 255, 0, 0, 0, 0]], dtype=np.uint8)
    pred = np.array([[200, 200, 100, 100, 200, 200, 0, 0]], dtype=np.uint8)
    # t in 101..200: P = 2/4, R = 2/4 -> F = 0.5.
    # t in 1..100: P = 4/6, R = 1 -> F = 1.3 * (2/3) / (0.3 * 2/3 + 1) = 0.7222...
    # t = 0: P = 4/8, R = 1 -> F = 1.3 * 0.5 / 1.15 = 0.5652...
    expected = 1.3 * (2 / 3) / (0.3 * (2 / 3) + 1)
    assert metrics.max_f(pred, gt) == pytest.approx(expected, rel=1e-6)


def test_it_binarises_soft_ground_truth_at_one_half_for_max_f() -> None:
    gt = np.array([[128, 127]], dtype=np.uint8)  # 128/255 >= 0.5 > 127/255
    pred = np.array([[255, 0]], dtype=np.uint8)
    assert metrics.max_f(pred, gt) == pytest.approx(1.0)


def test_it_limits_the_edge_band_to_15_px_either_side_of_the_edge() -> None:
    gt = np.zeros((1, 100), dtype=np.uint8)
    gt[:, 50:] = 255  # edge between columns 49 and 50
    band = metrics.edge_band(gt)
    # Foreground 50..64 (distance 1..15 to background), background 35..49 likewise.
    assert np.flatnonzero(band[0]).tolist() == list(range(35, 65))
    pred = gt.copy()
    pred[:, :10] = 255  # far from the edge: counts for MAE but not edge MAE
    assert metrics.edge_mae(pred, gt) == 0.0
    assert metrics.mae(pred, gt) == pytest.approx(0.1)


def test_it_has_no_edge_band_for_a_constant_ground_truth() -> None:
    gt = np.zeros((8, 8), dtype=np.uint8)
    assert not metrics.edge_band(gt).any()
    assert np.isnan(metrics.edge_mae(gt, gt))


def test_it_builds_the_matlab_gradient_kernel() -> None:
    hx, hy = metrics.gaussian_gradient_kernels(1.4)
    assert hx.shape == (9, 9)  # halfsize ceil(1.4 * sqrt(-2 ln(sqrt(2 pi) 1.4 0.01))) = 4
    assert np.sum(hx * hx) == pytest.approx(1.0)
    assert np.allclose(hx, -hx[:, ::-1])  # odd along x
    assert np.allclose(hy, hx.T)


def test_it_gives_gradient_error_only_where_edges_differ() -> None:
    gt = np.zeros((40, 40))
    gt[:, 20:] = 1.0
    flat = np.zeros((40, 40))
    assert metrics.grad_error(gt, gt) == 0.0
    assert metrics.grad_error(flat, gt) > 0.0
    blurred = np.clip(np.cumsum(np.full((40, 40), 1 / 10), axis=1) - 1.5, 0, 1)
    assert 0.0 < metrics.grad_error(blurred, gt) < metrics.grad_error(flat, gt)


def test_iou_and_the_f_curve():
    gt = np.zeros((10, 10), np.uint8)
    gt[2:8, 2:8] = 255
    pred = np.zeros_like(gt)
    pred[2:8, 2:5] = 255  # half the square
    assert metrics.iou(pred, gt) == 0.5
    assert metrics.iou(np.zeros_like(gt), np.zeros_like(gt)) == 1.0
    curve = metrics.f_curve(pred, gt)
    assert curve.shape == (256,) and curve.max() == metrics.max_f(pred, gt)
