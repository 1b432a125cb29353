"""Refine a cut-out with brush strokes: "keep" is sure foreground, "remove" sure background.

Strokes are not painted into the alpha. They become constraints of the same closed-form
matting the pipeline runs (Levin et al., via pymatting): pixels under a stroke are known, the
pixels within a margin of the strokes are solved again, and every other pixel keeps its
current alpha, which also serves as the boundary condition of the solve. The edge next to a
stroke therefore follows the colours of the photo, not the brush.

The cost is bounded by construction: only the box around the strokes is touched, at the
working resolution (``remove.WORK_SIDE``), and at most ``RefineParams.max_unknown`` pixels are
solved (the margin shrinks until they fit). When even the smallest margin is too large, or
there is nothing on one side to match, the strokes are applied with a guided filter instead,
which is linear in the box and still softens the stroke's rim along the photo's edges.

``refine_cutout`` does the whole job on full-size images; ``refine_alpha`` is the core on
working-resolution arrays, for tests and benchmarks. Reading, checking and scaling the stroke
masks themselves is ``strokes.py``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy.ndimage import distance_transform_edt

from .guided import guided_coefficients, guided_upsample, upsample_delta
from .matte import pymatting
from .strokes import scale_mask

log = logging.getLogger(__name__)

CONTEXT = 8  # working pixels of known context around the solved zone (Laplacian windows, guide)


@dataclass(frozen=True)
class RefineParams:
    """How far around a stroke the alpha is solved again, and the cost bounds.

    The margin is twice the stroke's radius (at its thickest point), clamped to
    [margin_min, margin_max] working pixels: a wide brush says "around here", a fine one
    "exactly here". Chosen with ``benchmarks/refine.py``; see docs/benchmarks.md.
    """

    margin_factor: float = 2.0
    margin_min: int = 12
    margin_max: int = 48
    max_unknown: int = 30_000  # pixels solved at most (cost of the sparse solve)
    epsilon: float = 1e-7
    cg_rtol: float = 1e-4
    cg_maxiter: int = 200  # the incomplete Cholesky preconditioner converges in ~10
    max_nnz: int = 20_000_000  # incomplete Cholesky budget
    fallback_radius: int = 3  # guided filter of the fallback, working pixels
    fallback_eps: float = 1e-3


DEFAULT_REFINE = RefineParams()


@dataclass
class Refinement:
    """The re-solved part of a working-resolution alpha.

    ``alpha``, ``foreground`` and ``zone`` cover ``box`` = (top, left, bottom, right) only;
    ``zone`` marks the pixels that may have changed (strokes and their margin), everything
    else in the box equals the input.
    """

    box: tuple[int, int, int, int]
    alpha: np.ndarray  # float32, h x w
    foreground: np.ndarray  # float32, h x w x 3
    zone: np.ndarray  # bool, h x w
    solved: bool  # False: the guided-filter fallback ran
    unknown: int  # pixels solved

    @property
    def slices(self) -> tuple[slice, slice]:
        top, left, bottom, right = self.box
        return slice(top, bottom), slice(left, right)

    def apply(self, alpha: np.ndarray) -> np.ndarray:
        """A copy of the full working alpha with this refinement in place."""
        out = alpha.astype(np.float32, copy=True)
        out[self.slices] = self.alpha
        return out


@dataclass
class RefinedCutout:
    alpha: Image.Image  # "L", full size
    cutout: Image.Image  # "RGBA", full size
    box: tuple[int, int, int, int] | None  # (left, top, width, height) that changed, full size
    solved: bool
    unknown: int
    work_alpha: Image.Image | None = None  # "L", the refined alpha at working size


@dataclass(frozen=True)
class Working:
    """A photo and its alpha at the working resolution, kept between strokes so a refine
    does not scale the full-size photo down again (``refine_cutout``'s ``working``)."""

    image: Image.Image  # "RGB"
    alpha: Image.Image  # "L"


def _box(mask: np.ndarray, pad: int) -> tuple[int, int, int, int]:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    height, width = mask.shape
    return (
        max(int(rows[0]) - pad, 0),
        max(int(cols[0]) - pad, 0),
        min(int(rows[-1]) + pad + 1, height),
        min(int(cols[-1]) + pad + 1, width),
    )


def _margin(inside: np.ndarray, params: RefineParams) -> int:
    """The stroke's radius at its thickest point, clamped to the margin bounds."""
    radius = float(inside.max()) if inside.size else 0.0
    margin = round(params.margin_factor * radius)
    return int(min(max(margin, params.margin_min), params.margin_max))


@contextlib.contextmanager
def _one_numba_thread() -> Iterator[None]:
    """Run pymatting's parallel loops on one thread (numba's setting is per thread).

    The regions solved here are small: the threads' start-up and synchronisation cost more
    than they save, up to 0.3 s per call on a busy 2-core machine (against 10 ms alone).
    """
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def refine_alpha(
    image: np.ndarray,
    alpha: np.ndarray,
    keep: np.ndarray,
    remove: np.ndarray,
    params: RefineParams = DEFAULT_REFINE,
) -> Refinement | None:
    """Re-solve ``alpha`` (h x w floats in [0, 1]) around the strokes, or None without strokes.

    ``image`` is h x w x 3 floats in [0, 1]; ``keep`` and ``remove`` are boolean masks of the
    same size (where both are set, remove wins).
    """
    keep = keep & ~remove
    strokes = keep | remove
    if not strokes.any():
        return None
    # Look only at the box the largest margin could reach (plus context), never the image.
    top, left, bottom, right = _box(strokes, params.margin_max + CONTEXT)
    rows, cols = slice(top, bottom), slice(left, right)
    sub_strokes = strokes[rows, cols]
    outside = distance_transform_edt(~sub_strokes)
    inside = distance_transform_edt(sub_strokes)
    margin = _margin(inside, params)
    while True:
        zone = outside <= margin
        unknown = zone & ~sub_strokes
        count = int(unknown.sum())
        if count <= params.max_unknown or margin <= params.margin_min:
            break
        margin = max(params.margin_min, int(margin * 0.7))
    # Shrink to the zone plus context.
    z_top, z_left, z_bottom, z_right = _box(zone, CONTEXT)
    box = (top + z_top, left + z_left, top + z_bottom, left + z_right)
    rows, cols = slice(box[0], box[2]), slice(box[1], box[3])
    zone = zone[z_top:z_bottom, z_left:z_right]
    unknown = unknown[z_top:z_bottom, z_left:z_right]
    crop = np.ascontiguousarray(image[rows, cols], dtype=np.float64)
    known = alpha[rows, cols].astype(np.float64)
    known[keep[rows, cols]] = 1.0
    known[remove[rows, cols]] = 0.0
    solution = None
    with _one_numba_thread():
        if count <= params.max_unknown:
            solution = _solve(crop, known, unknown, params)
        solved = solution is not None
        if solution is None:
            solution = _feather(crop, known, unknown, params)
            count = 0
        new_alpha = np.clip(solution, 0.0, 1.0).astype(np.float32)
        foreground = _foreground(crop, new_alpha, zone)
    return Refinement(box, new_alpha, foreground, zone, solved, count)


def _solve(
    image: np.ndarray, known: np.ndarray, unknown: np.ndarray, params: RefineParams
) -> np.ndarray | None:
    """Closed-form alpha on the unknown pixels, the others fixed at ``known`` (may be soft)."""
    flat_unknown = unknown.ravel()
    if not flat_unknown.any():
        return known
    values = known.ravel()
    is_known = ~flat_unknown
    # Every unknown pixel touches the strokes or the unchanged alpha around the zone, so the
    # system is well posed even when all known values are on one side.
    pm = pymatting()
    try:
        laplacian = pm.cf_laplacian(image, epsilon=params.epsilon, is_known=is_known)
        rows = laplacian[flat_unknown, :]
        system = rows[:, flat_unknown]
        rhs = -rows[:, is_known].dot(values[is_known])
        result = values.copy()
        if not np.abs(rhs).max() > 1e-12:  # nothing but background around: all of it goes
            result[flat_unknown] = 0.0
            return result.reshape(known.shape)
        result[flat_unknown] = pm.cg(
            system,
            rhs,
            x0=values[flat_unknown],
            M=pm.ichol(system.tocsc(), max_nnz=params.max_nnz),
            maxiter=params.cg_maxiter,
            rtol=params.cg_rtol,
        )
    except (ValueError, ArithmeticError, MemoryError) as exc:
        log.warning("refine: closed-form solve failed (%s); feathering instead", exc)
        return None
    if not np.isfinite(result).all():
        return None
    return result.reshape(known.shape)


def _feather(
    image: np.ndarray, known: np.ndarray, unknown: np.ndarray, params: RefineParams
) -> np.ndarray:
    """The strokes applied as they are, the pixels around them softened by a guided filter
    along the photo's edges (the fallback)."""
    coeff_a, coeff_b = guided_coefficients(
        image.astype(np.float32), known, radius=params.fallback_radius, eps=params.fallback_eps
    )
    filtered = np.einsum("hwc,hwc->hw", coeff_a, image.astype(np.float32)) + coeff_b
    return np.where(unknown, filtered, known)


def _foreground(image: np.ndarray, alpha: np.ndarray, zone: np.ndarray) -> np.ndarray:
    """Foreground colours of the crop (the old background's tint removed at soft edges).

    Only the box of the zone's partly transparent pixels is estimated (the costly part);
    elsewhere the photo is its own foreground, as in ``matte.estimate_foreground``.
    """
    foreground = image.astype(np.float32)
    partial = zone & (alpha > 0.0) & (alpha < 1.0)
    if not partial.any():
        return foreground
    top, left, bottom, right = _box(partial, CONTEXT)
    if min(bottom - top, right - left) < 8:  # pymatting's pyramid needs a few pixels a side
        return foreground
    pm = pymatting()
    foreground[top:bottom, left:right] = pm.estimate_foreground_ml(
        np.ascontiguousarray(foreground[top:bottom, left:right]),
        np.ascontiguousarray(alpha[top:bottom, left:right]),
    )
    return np.clip(foreground, 0.0, 1.0, out=foreground)


def refine_cutout(
    image: Image.Image,
    alpha: Image.Image,
    cutout: Image.Image,
    keep: np.ndarray | Image.Image,
    remove: np.ndarray | Image.Image,
    params: RefineParams = DEFAULT_REFINE,
    *,
    working: Working | None = None,
) -> RefinedCutout:
    """Refine a full-size cut-out (``image`` RGB, ``alpha`` L, ``cutout`` RGBA) with strokes.

    The masks may be any size; they are scaled to the working resolution (non-zero = stroke).
    Outside the strokes' margin every pixel of the result equals the input. ``working`` is
    the photo and alpha already at the working resolution (made here when not given); the
    result's ``work_alpha`` is the next stroke's.
    """
    # Full-size images are converted only when they must be: each copy of a 24 MP cut-out
    # costs about 0.1 s and 96 MB.
    image = image if image.mode == "RGB" else image.convert("RGB")
    alpha = alpha if alpha.mode == "L" else alpha.convert("L")
    # Imported here: .remove loads onnxruntime, which a web process must never import.
    from .remove import GUIDE_EPS, GUIDE_RADIUS, to_float, to_uint8, working_image

    if working is None:
        work = working_image(image)
        working = Working(work, working_image(alpha) if work is not image else alpha)
    work = image if working.image.size == image.size else working.image.convert("RGB")
    pixels = to_float(work)
    work_alpha = to_float(working.alpha.convert("L"))
    refinement = refine_alpha(
        pixels, work_alpha, scale_mask(keep, work.size), scale_mask(remove, work.size), params
    )
    if refinement is None:
        return RefinedCutout(alpha, cutout.convert("RGBA"), None, True, 0, working.alpha)
    top, left, bottom, right = refinement.box
    sx, sy = image.width / work.width, image.height / work.height
    full_box = (
        int(np.floor(left * sx)),
        int(np.floor(top * sy)),
        min(image.width, int(np.ceil(right * sx))),
        min(image.height, int(np.ceil(bottom * sy))),
    )
    region = image.crop(full_box)
    old_alpha = np.asarray(alpha.crop(full_box), dtype=np.float32) / 255.0
    old_rgba = np.asarray(cutout.crop(full_box).convert("RGBA"))
    small = pixels[refinement.slices]
    if work is image:
        new_alpha = refinement.alpha
        new_rgb = refinement.foreground * 255.0
        weight = refinement.zone.astype(np.float32)
    else:
        new_alpha = guided_upsample(
            small, refinement.alpha, region, radius=GUIDE_RADIUS, eps=GUIDE_EPS
        )
        new_rgb = upsample_delta(refinement.foreground, small, region).astype(np.float32)
        weight = np.asarray(
            Image.fromarray(refinement.zone.astype(np.float32), "F").resize(
                region.size, Image.Resampling.BILINEAR
            ),
            dtype=np.float32,
        )
    merged_alpha = to_uint8(weight * new_alpha + (1.0 - weight) * old_alpha)
    rgb = weight[..., None] * new_rgb + (1.0 - weight[..., None]) * old_rgba[..., :3]
    rgb = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    rgb[merged_alpha == 0] = 0
    patch = Image.fromarray(np.dstack([rgb, merged_alpha]), "RGBA")
    out_cutout = cutout.copy() if cutout.mode == "RGBA" else cutout.convert("RGBA")
    out_cutout.paste(patch, full_box[:2])
    out_alpha = out_cutout.getchannel("A")
    width, height = full_box[2] - full_box[0], full_box[3] - full_box[1]
    return RefinedCutout(
        out_alpha,
        out_cutout,
        (full_box[0], full_box[1], width, height),
        refinement.solved,
        refinement.unknown,
        Image.fromarray(to_uint8(refinement.apply(work_alpha)), "L"),
    )
