"""isnet-int8, the default: made from the float32 IS-Net and the committed ranges, verified;
float32 IS-Net stays selectable.

No download: the float32 file comes from the models folder (``make models-all`` fetched it);
quantizing from the committed ranges takes a few seconds and about 0.5 GB.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from tests.api_support import configure_api, image_bytes, post, result_image, subject_image
from tests.conftest import FIXTURES
from tests.synthetic import iou
from tools.pipeline import sessions
from tools.pipeline.manifest import MODELS, get_spec
from tools.pipeline.provision import ProvisionError, ensure_model, sha256_of
from tools.pipeline.segment import predict_raw

INT8 = MODELS["isnet-int8"]


@pytest.fixture
def with_float_model(tmp_path: Path) -> Path:
    """A models folder holding only (a link to) the verified float32 IS-Net."""
    (tmp_path / "isnet.onnx").symlink_to(sessions.models_dir() / get_spec("isnet").filename)
    return tmp_path


def test_fetch_models_makes_the_int8_file_byte_for_byte(with_float_model, capsys):
    (with_float_model / INT8.filename).write_bytes(b"an interrupted earlier run")
    call_command("fetch_models", "isnet-int8", models_dir=with_float_model)
    out = capsys.readouterr().out
    assert "isnet: " in out and "is present and verified" in out  # the base is not re-fetched
    assert "isnet-int8: fetched" in out and "licence AGPL-3.0" in out
    assert sha256_of(with_float_model / INT8.filename) == INT8.sha256
    assert sorted(p.name for p in with_float_model.iterdir()) == ["isnet-int8.onnx", "isnet.onnx"]
    call_command("fetch_models", "isnet-int8", models_dir=with_float_model)
    assert "isnet-int8: already present" in capsys.readouterr().out


def test_a_result_that_does_not_match_the_manifest_is_refused(with_float_model):
    wrong = dataclasses.replace(INT8, sha256="0" * 64)
    with pytest.raises(ProvisionError, match=r"versions pinned in pyproject\.toml"):
        ensure_model(wrong, with_float_model)
    assert sorted(p.name for p in with_float_model.iterdir()) == ["isnet.onnx"]


def test_missing_calibration_ranges_say_so(with_float_model):
    missing = dataclasses.replace(
        INT8, source=dataclasses.replace(INT8.source, ranges="no-such-ranges.json")
    )
    with pytest.raises(ProvisionError, match=r"calibration ranges .*no-such-ranges\.json"):
        ensure_model(missing, with_float_model)
    assert sorted(p.name for p in with_float_model.iterdir()) == ["isnet.onnx"]


def test_the_int8_map_of_a_real_photo_is_close_to_the_float32_map():
    with Image.open(FIXTURES / "chelsea.jpg") as photo:
        photo.load()
    single = predict_raw(photo, model="isnet")
    quantized = predict_raw(photo, model="isnet-int8")
    assert quantized.shape == single.shape == (1024, 1024)
    # Measured: 0.0096 mean absolute difference; the cat covers about half of the map.
    assert float(np.abs(quantized - single).mean()) < 0.02
    assert iou(quantized > 0.5, single > 0.5) > 0.97
    assert 0.3 < float((quantized > 0.5).mean()) < 0.8


@pytest.mark.django_db
def test_the_api_runs_the_int8_default_and_float32_on_request(client, settings):
    configure_api(settings)
    assert settings.PIXELFORGE_DEFAULT_MODEL == "isnet-int8"
    photo = image_bytes(subject_image())
    default = post(client, photo, format="mask", matting="false")
    int8 = post(client, photo, format="mask", matting="false", model="isnet-int8")
    single = post(client, photo, format="mask", matting="false", model="isnet")
    assert default.status_code == int8.status_code == single.status_code == 200
    assert default.content == int8.content
    assert default.content != single.content  # two models ran
    masks = [np.asarray(result_image(r).convert("L")) > 127 for r in (int8, single)]
    assert iou(*masks) > 0.95


def test_the_command_line_takes_either_model(tmp_path):
    source = tmp_path / "cat.jpg"
    Image.open(FIXTURES / "chelsea.jpg").resize((160, 106)).save(source)
    for model in ("isnet", "isnet-int8"):
        target = tmp_path / f"{model}.png"
        call_command("removebg", str(source), "-o", str(target), "--model", model, "--no-matting")
        with Image.open(target) as out:
            assert out.mode == "RGBA" and out.size == (160, 106)
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("removebg", str(source), "-o", str(target), "--model", "isnet-int4")
