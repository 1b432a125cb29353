"""tools.pipeline segmentation: sessions, preprocessing, saliency maps (real U2-Net)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from tests.synthetic import iou, star, textured_disc
from tools.pipeline import ModelUnavailable, PipelineError, configure, get_session, sessions
from tools.pipeline.segment import normalise, predict_raw, predict_saliency, preprocess


def test_it_creates_one_session_per_model_per_process():
    first = get_session("u2net")
    assert get_session("u2net") is first
    assert get_session("u2netp") is not first
    assert get_session("u2netp") is get_session("u2netp")


def test_it_names_fetch_models_when_a_model_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(sessions, "_models_dir", tmp_path)
    with pytest.raises(ModelUnavailable) as info:
        get_session("u2netp")
    assert isinstance(info.value, PipelineError)
    assert "python manage.py fetch_models" in str(info.value)


def test_it_rejects_a_corrupt_model_file(tmp_path, monkeypatch):
    (tmp_path / "u2netp.onnx").write_bytes(b"\0" * 100)
    monkeypatch.setattr(sessions, "_models_dir", tmp_path)
    with pytest.raises(ModelUnavailable, match="fetch_models"):
        get_session("u2netp")


def test_it_reads_threads_and_models_dir_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setattr(sessions, "_threads", None)
    monkeypatch.setattr(sessions, "_models_dir", None)
    monkeypatch.setenv("PIXELFORGE_ONNX_THREADS", "1")
    monkeypatch.setenv("PIXELFORGE_MODELS_DIR", str(tmp_path))
    assert sessions.onnx_threads() == 1
    assert sessions.models_dir() == tmp_path
    monkeypatch.setenv("PIXELFORGE_ONNX_THREADS", "many")
    with pytest.raises(ValueError, match="PIXELFORGE_ONNX_THREADS"):
        sessions.onnx_threads()


def test_configure_overrides_the_environment(monkeypatch, tmp_path):
    monkeypatch.setattr(sessions, "_threads", None)
    monkeypatch.setattr(sessions, "_models_dir", None)
    monkeypatch.setenv("PIXELFORGE_ONNX_THREADS", "1")
    configure(threads=2, models_dir=tmp_path)
    assert sessions.onnx_threads() == 2
    assert sessions.models_dir() == tmp_path
    with pytest.raises(ValueError):
        configure(threads=-1)


def test_preprocess_gives_the_models_input_shape():
    image, _ = textured_disc()
    batch = preprocess(image, model="u2net")
    assert batch.shape == (1, 3, 320, 320)
    assert batch.dtype == np.float32


def test_a_flat_prediction_gives_zeros_not_nan():
    for flat in (np.zeros((320, 320)), np.full((320, 320), 0.7), np.full((320, 320), np.nan)):
        out = normalise(flat)
        assert not np.isnan(out).any()
        assert out.min() == out.max() == 0.0


def test_a_blank_image_gives_a_finite_map():
    from PIL import Image

    saliency = predict_saliency(Image.new("RGB", (64, 48), (0, 0, 0)), model="u2netp")
    assert saliency.shape == (48, 64)
    assert np.isfinite(saliency).all()


@pytest.mark.parametrize("make", [textured_disc, star], ids=["disc", "star"])
def test_a_clear_subject_on_a_plain_background_is_found(make):
    image, truth = make()
    saliency = predict_saliency(image)
    assert saliency.shape == truth.shape
    assert saliency.min() >= 0.0 and saliency.max() <= 1.0
    assert iou(saliency > 0.5, truth) > 0.9


def off_centre_scene() -> Image.Image:
    """Asymmetric and off-centre: a red disc low on the left, a blue block above it."""
    image = Image.new("RGB", (300, 200), (230, 230, 225))
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 60, 120, 170), fill=(200, 30, 40))
    draw.rectangle((40, 20, 70, 70), fill=(30, 60, 200))
    return image


def test_flip_averaging_makes_the_map_of_a_mirrored_photo_its_mirror_image():
    """Averaging with the mirrored prediction, un-mirrored, makes the map mirror-equivariant;
    the model alone is not (checked, so that the test can fail)."""
    image = off_centre_scene()
    mirrored = ImageOps.mirror(image)
    plain = predict_raw(image, model="u2netp")[:, ::-1] - predict_raw(mirrored, model="u2netp")
    assert np.abs(plain).max() > 0.05
    averaged = predict_raw(image, model="u2netp", flip=True)[:, ::-1]
    assert np.abs(averaged - predict_raw(mirrored, model="u2netp", flip=True)).max() < 1e-5
    assert averaged.max() == pytest.approx(1.0)
