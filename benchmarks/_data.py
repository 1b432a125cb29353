"""Where the evaluation set is: the one place the benchmarks (and tests that use it) ask.

The set (alphamatting_lowres/ and davis2016_val/, each with images/ and alphas/) is not in the
repository. Name it with PIXELFORGE_EVAL_DATA; without it, data/eval in the repository (git
ignores data/: link or copy the set there), else ../shared/data/eval beside the checkout.

    .venv/bin/python -m benchmarks._data        # prints the folder the benchmarks will read
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENV = "PIXELFORGE_EVAL_DATA"
DEFAULTS = (REPO / "data" / "eval", REPO.parent / "shared" / "data" / "eval")


def eval_data(required: bool = True) -> Path | None:
    """The evaluation set's folder. With ``required``, a clear exit when there is none."""
    named = os.environ.get(ENV, "").strip()
    candidates = [Path(named).expanduser()] if named else list(DEFAULTS)
    for folder in candidates:
        if folder.is_dir():
            return folder.resolve()
    if not required:
        return None
    where = named or " or ".join(str(path) for path in DEFAULTS)
    raise SystemExit(f"No evaluation set at {where}; set {ENV} to its folder.")


def add_data_argument(parser: argparse.ArgumentParser, name: str = "data_dir") -> None:
    """An optional positional folder; read it as ``args.<name> or eval_data()``."""
    parser.add_argument(
        name,
        type=Path,
        nargs="?",
        help=f"the evaluation set (default: ${ENV}, else data/eval, else ../shared/data/eval)",
    )


if __name__ == "__main__":
    print(eval_data())
    sys.exit(0)
