"""The quality benchmark's harness (benchmarks/quality.py) with a stand-in predictor: no model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks import quality


def make_dataset(root: Path) -> None:
    for source in ("studio", "video"):
        (root / source / "images").mkdir(parents=True)
        (root / source / "alpha").mkdir(parents=True)
        for i in range(2):
            alpha = np.zeros((32, 48), dtype=np.uint8)
            alpha[8:24, 10 + i : 30 + i] = 255
            Image.fromarray(alpha).save(root / source / "alpha" / f"im{i}.png")
            Image.new("RGB", (48, 32), (10 * i, 20, 30)).save(
                root / source / "images" / f"im{i}.jpg"
            )
    # An image without ground truth is ignored.
    Image.new("RGB", (48, 32)).save(root / "video" / "images" / "orphan.jpg")


def test_it_finds_every_pair_per_source(tmp_path: Path) -> None:
    make_dataset(tmp_path)
    pairs = quality.find_pairs(tmp_path)
    assert [(p.source, p.id) for p in pairs] == [
        ("studio", "im0"),
        ("studio", "im1"),
        ("video", "im0"),
        ("video", "im1"),
    ]
    assert [p.source for p in quality.find_pairs(tmp_path, ["video"])] == ["video", "video"]


def test_it_scores_a_predictor_and_writes_tables(tmp_path: Path) -> None:
    make_dataset(tmp_path / "data")
    pairs = quality.find_pairs(tmp_path / "data")
    report = quality.Report([quality.METHODS["pf"], quality.METHODS["rembg"]])
    # "pf" predicts the ground truth itself; "rembg" predicts nothing.
    report.results += quality.evaluate(
        pairs, lambda image: quality.load_alpha(image.parents[1] / "alpha" / f"{image.stem}.png"),
        method="pf", save_dir=tmp_path / "out" / "pf", progress=False,
    )  # fmt: skip
    report.results += quality.evaluate(
        pairs, lambda image: np.zeros((32, 48), dtype=np.uint8), method="rembg", progress=False
    )
    assert report.mean("pf", None, "mae") == 0.0
    assert report.mean("rembg", "studio", "max_f") < 1.0
    assert report.curve_max_f("pf", None) == pytest.approx(1.0)
    assert report.mean("pf", None, "iou") == 1.0
    assert report.curve_max_f("rembg", None) < 1.0
    assert (tmp_path / "out" / "pf" / "video" / "im1.png").exists()
    assert quality.target_check(report) == [
        "- overall: PASS",
        "- studio: PASS",
        "- video: PASS",
    ]
    text = quality.write_outputs(report, tmp_path / "data", tmp_path / "out")
    assert "### Overall (4 images)" in text
    assert (tmp_path / "out" / "per_image.csv").read_text().count("\n") == 9
