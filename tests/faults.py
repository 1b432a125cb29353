"""A real failure inside the pipeline, for the tests of what people see when processing breaks.

The fault is injected at the matting seam, not in the model: ``remove_background`` runs as usual
with the real model, but the trimap's erosion gets a negative radius
(``MatteParams(band_fraction=-1.0, min_band=-2)``), so numpy raises its own ValueError
("negative dimensions are not allowed") from inside the matting: an unexpected exception deep
in the pipeline, like the one the Cat sample resized to 1024 x 681 hit in issue 14 (that one is
gone: the solver now falls back to a cheaper preconditioner instead of raising). The form,
the API and the command line all call ``pipeline.remove_background``, so replacing that one
attribute reaches all three.

If the matting is reworked so that these parameters go away, point BROKEN at
another parameter that makes the real solver fail; the tests using it need not change.
"""

from __future__ import annotations

import pytest
from PIL import Image

from tools import pipeline
from tools.pipeline.matte import MatteParams

BROKEN = MatteParams(band_fraction=-1.0, min_band=-2)
SOLVER_MESSAGE = "negative dimensions"  # in the log, never in what a visitor sees


@pytest.fixture
def failing_matting(monkeypatch: pytest.MonkeyPatch) -> set[tuple[int, int]]:
    """Make the matting fail for real; images whose size is in the returned set are spared."""
    real = pipeline.remove_background
    spared: set[tuple[int, int]] = set()

    def remove_with_a_failing_solver(image: Image.Image, **kwargs: object) -> pipeline.Cutout:
        if image.size in spared:
            return real(image, **kwargs)
        return real(image, params=BROKEN, **kwargs)

    monkeypatch.setattr(pipeline, "remove_background", remove_with_a_failing_solver)
    return spared
