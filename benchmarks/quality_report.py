"""The quality benchmark's report: Markdown tables, the target and upsampling checks, the files.

``benchmarks/quality.py`` runs the methods into a ``Report``; this module writes it out
(``OUT/results.md`` and ``OUT/per_image.csv``). The issue-19 checks are in
``benchmarks/quality_checks.py``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from benchmarks.metrics import HIGHER_IS_BETTER, METRIC_NAMES
from benchmarks.quality_checks import checks
from benchmarks.quality_data import Report

# The target: PixelForge's default beats every rival (both rembg modes, the saved previous
# pipeline) on these, overall and per source.
TARGET_METRICS = ("mae", "sad", "grad", "edge_mae", "max_f")
# Guided upsampling (pf-quarter) may lose at most this much, relative, against pf.
UPSAMPLING_METRICS = ("mae", "edge_mae")
UPSAMPLING_BUDGET = 0.10

COLUMNS = (
    ("mae", "MAE", "{:.4f}"),
    ("sad", "SAD", "{:.2f}"),
    ("grad", "Grad", "{:.2f}"),
    ("max_f", "maxF", "{:.4f}"),
    ("curve_max_f", "maxF (mean curve)", "{:.4f}"),
    ("edge_mae", "edge MAE", "{:.4f}"),
    ("iou", "IoU", "{:.4f}"),
    ("seconds", "s/img", "{:.2f}"),
)


def _fmt(value: float, pattern: str) -> str:
    return "n/a" if math.isnan(value) else pattern.format(value)


def _value(report: Report, method: str, source: str | None, key: str) -> float:
    if key == "curve_max_f":
        return report.curve_max_f(method, source)
    return report.mean(method, source, key)


def table(report: Report, source: str | None) -> str:
    """One Markdown table: a row per method, the mean over the source's images (or all)."""
    header = "| method | " + " | ".join(title for _, title, _ in COLUMNS) + " |"
    rule = "|---|" + "---:|" * len(COLUMNS)
    rows = [header, rule]
    for method in report.methods:
        cells = [
            _fmt(_value(report, method.key, source, key), pattern) for key, _, pattern in COLUMNS
        ]
        rows.append(f"| {method.label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def target_check(report: Report) -> list[str]:
    """The target, one line per scope: does 'pf' beat both rembg modes and the saved pipelines?"""
    keys = [m.key for m in report.methods]
    rivals = [k for k in keys if k in ("rembg", "rembg-matting") or k.startswith("saved:")]
    if "pf" not in keys or not rivals:
        return []
    lines = []
    for source in [None, *report.sources()]:
        misses = []
        for metric in TARGET_METRICS:
            ours = report.mean("pf", source, metric)
            for rival in rivals:
                theirs = report.mean(rival, source, metric)
                better = ours > theirs if HIGHER_IS_BETTER[metric] else ours < theirs
                if not better:
                    sign = "<=" if HIGHER_IS_BETTER[metric] else ">="
                    misses.append(f"{metric} vs {rival} ({ours:.4f} {sign} {theirs:.4f})")
        verdict = "PASS" if not misses else "MISS: " + "; ".join(misses)
        lines.append(f"- {source or 'overall'}: {verdict}")
    return lines


def upsampling_check(report: Report) -> list[str]:
    """pf-quarter against pf: relative loss in MAE and edge MAE, within the budget?"""
    keys = {m.key for m in report.methods}
    if not {"pf", "pf-quarter"} <= keys:
        return []
    lines = []
    for source in [None, *report.sources()]:
        cells = []
        for metric in UPSAMPLING_METRICS:
            full = report.mean("pf", source, metric)
            quarter = report.mean("pf-quarter", source, metric)
            loss = (quarter - full) / full if full else float("nan")
            verdict = "ok" if loss <= UPSAMPLING_BUDGET else "OVER"
            cells.append(f"{metric} {full:.4f} -> {quarter:.4f} ({loss:+.1%}, {verdict})")
        lines.append(f"- {source or 'overall'}: " + "; ".join(cells))
    return lines


def markdown(report: Report, data_dir: Path) -> str:
    parts = [f"Data: `{data_dir}`, {report.count(None)} images. Means over images.", ""]
    for source in report.sources():
        parts += [f"### {source} ({report.count(source)} images)", "", table(report, source), ""]
    parts += [f"### Overall ({report.count(None)} images)", "", table(report, None), ""]
    check = target_check(report)
    if check:
        names = ", ".join(TARGET_METRICS)
        parts += [f"Target (PixelForge default beats every other tool listed on {names}):", ""]
        parts += [*check, ""]
    parts += checks(report)
    upsampling = upsampling_check(report)
    if upsampling:
        budget = f"{UPSAMPLING_BUDGET:.0%}"
        parts += [f"Guided upsampling from a quarter of the side (target: at most {budget} worse):"]
        parts += ["", *upsampling, ""]
    return "\n".join(parts)


def write_outputs(report: Report, data_dir: Path, out_dir: Path) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(report, data_dir)
    (out_dir / "results.md").write_text(text)
    with (out_dir / "per_image.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["method", "source", "id", *METRIC_NAMES, "seconds"])
        for r in report.results:
            values = [f"{getattr(r.scores, m):.6f}" for m in METRIC_NAMES]
            seconds = "" if r.seconds is None else f"{r.seconds:.3f}"
            writer.writerow([r.method, r.pair.source, r.pair.id, *values, seconds])
    return text
