"""tools.pipeline segmentation: sessions, preprocessing, saliency maps (real IS-Net and U2-Net)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.synthetic import iou, off_centre_shape, star, textured_disc
from tools.pipeline import ModelUnavailable, PipelineError, configure, get_session, sessions
from tools.pipeline.manifest import DEFAULT_MODEL, get_spec
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


def test_isnet_is_fed_as_its_manifest_says():
    spec = get_spec("isnet")
    assert spec.licence == get_spec("isnet-int8").licence == "AGPL-3.0"
    assert DEFAULT_MODEL == "isnet-int8"  # it holds the quality gate (docs/benchmarks.md)
    assert get_spec("u2net").licence == get_spec("u2netp").licence == "Apache-2.0"
    inputs = get_session("isnet").get_inputs()[0]
    assert (inputs.name, inputs.shape) == ("input", [1, 3, 1024, 1024])
    grey = Image.new("RGB", (40, 30), (64, 128, 255))
    batch = preprocess(grey, model="isnet")
    assert batch.shape == (1, 3, 1024, 1024) and batch.dtype == np.float32
    # (x - 128) / 256 per channel, x in 0..255
    assert batch[0, :, 500, 500] == pytest.approx([-0.25, 0.0, 127 / 256], abs=1e-5)


def test_isnet_finds_an_off_centre_subject_where_it_is():
    image, truth = off_centre_shape()
    raw = predict_raw(image, model="isnet")
    assert raw.shape == (1024, 1024)
    assert raw.min() >= 0.0 and raw.max() <= 1.0
    saliency = predict_saliency(image, model="isnet")
    assert iou(saliency > 0.5, truth) > 0.9


def test_the_model_session_does_not_spin_its_threads_while_they_wait():
    """Spinning intra-op threads cost a third more CPU per inference with two threads
    (docs/benchmarks.md, "Speed (issue 18)"): the session the pipeline runs has it off."""
    session = sessions.get_session("u2netp")
    options = session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert (
        sessions.session_options(1, spinning=True).get_session_config_entry(
            "session.intra_op.allow_spinning"
        )
        == "1"
    )
