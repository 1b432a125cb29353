"""The issue-19 checks of ``benchmarks/quality.py``'s report, as Markdown lines.

- matting earns its place: the default (``pf``) against ``pf-nomatting``, overall and per
  source: MAE, SAD and edge MAE at least ``MATTING_GAIN`` lower, Grad no worse (means, and the
  median of the per-image relative changes beside them);
- lighting: ``pf-<change>`` against ``pf`` on the unchanged photos (and the same for
  ``pf-nomatting``): MAE within ``LIGHTING_BUDGET``;
- see-through set: on the pixels whose true alpha is strictly between 0.05 and 0.95, MAE
  (pooled over the pixels), the share left partial and the share made opaque; the default
  should leave at least ``PARTIAL_FLOOR`` partial with an MAE ``SEETHROUGH_GAIN`` below
  ``pf-nomatting``'s.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.lighting import GAINS
from benchmarks.quality_data import Report, in_scope
from benchmarks.seethrough import SOURCE as SEETHROUGH

MATTING_GAIN = 0.05
MATTING_METRICS = ("mae", "sad", "edge_mae", "grad")
LIGHTING_BUDGET = 0.10
PARTIAL_FLOOR = 0.40
SEETHROUGH_GAIN = 0.25


def _per_image(report: Report, method: str, source: str | None, metric: str) -> dict:
    return {
        r.pair: getattr(r.scores, metric)
        for r in report.results
        if r.method == method and in_scope(r, source)
    }


def matting_check(report: Report) -> list[str]:
    keys = {m.key for m in report.methods}
    if not {"pf", "pf-nomatting"} <= keys:
        return []
    lines = []
    for source in [None, *report.sources()]:
        cells, misses = [], 0
        for metric in MATTING_METRICS:
            ours, base = (
                report.mean("pf", source, metric),
                report.mean("pf-nomatting", source, metric),
            )
            change = (ours - base) / base if base else math.nan
            a, b = (
                _per_image(report, "pf", source, metric),
                _per_image(report, "pf-nomatting", source, metric),
            )
            median = float(np.median([(a[p] - b[p]) / b[p] for p in a if b.get(p)]))
            limit = 0.0 if metric == "grad" else -MATTING_GAIN
            misses += not change <= limit
            cells.append(f"{metric} {base:.4f} -> {ours:.4f} ({change:+.1%}, median {median:+.1%})")
        verdict = "PASS" if not misses else f"MISS ({misses})"
        lines.append(f"- {source or 'overall'}: {verdict}: " + "; ".join(cells))
    return lines


def lighting_check(report: Report) -> list[str]:
    keys = {m.key for m in report.methods}
    lines = []
    for base in ("pf", "pf-nomatting"):
        if base not in keys:
            continue
        normal = report.mean(base, None, "mae")
        cells = [f"unchanged {normal:.4f}"]
        for change in GAINS:
            key = f"{base}-{change}"
            if key in keys:
                mae = report.mean(key, None, "mae")
                rise = (mae - normal) / normal
                verdict = "ok" if rise <= LIGHTING_BUDGET else "OVER"
                iou = report.mean(key, None, "iou")
                cells.append(f"{change} {mae:.4f} ({rise:+.1%}, {verdict}; IoU {iou:.3f})")
        if len(cells) > 1:
            lines.append(f"- {base}: MAE " + "; ".join(cells))
    return lines


def seethrough_check(report: Report) -> list[str]:
    lines = []
    scores: dict[str, tuple[float, float, float]] = {}
    for method in report.methods:
        found = [
            r.seethrough
            for r in report.results
            if r.method == method.key and r.pair.source == SEETHROUGH and r.seethrough
        ]
        pixels = sum(s.pixels for s in found)
        if not pixels:
            continue
        pooled = [sum(getattr(s, k) * s.pixels for s in found) / pixels for k in
                  ("mae", "partial", "opaque")]  # fmt: skip
        scores[method.key] = (pooled[0], pooled[1], pooled[2])
        lines.append(
            f"- {method.label}: MAE {pooled[0]:.4f}, left partial {pooled[1]:.1%}, "
            f"made opaque {pooled[2]:.1%} ({len(found)} images, {pixels} see-through pixels)"
        )
    if {"pf", "pf-nomatting"} <= scores.keys():
        ours, base = scores["pf"], scores["pf-nomatting"]
        gain = (base[0] - ours[0]) / base[0]
        ok = ours[1] >= PARTIAL_FLOOR and gain >= SEETHROUGH_GAIN
        lines.append(
            f"- target (>= {PARTIAL_FLOOR:.0%} partial, MAE >= {SEETHROUGH_GAIN:.0%} below "
            f"--no-matting): {'PASS' if ok else 'MISS'} (partial {ours[1]:.1%}, MAE {gain:+.1%})"
        )
    return lines


def checks(report: Report) -> list[str]:
    parts: list[str] = []
    for title, lines in (
        (f"Matting against --no-matting (target: MAE, SAD, edge MAE >= {MATTING_GAIN:.0%} "
         "lower, Grad no worse):", matting_check(report)),
        (f"Lighting (target: MAE within {LIGHTING_BUDGET:.0%} of the unchanged photos'):",
         lighting_check(report)),
        ("See-through pixels (true alpha strictly between 0.05 and 0.95):",
         seethrough_check(report)),
    ):  # fmt: skip
        if lines:
            parts += [title, "", *lines, ""]
    return parts
