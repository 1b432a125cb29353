"""The speed benchmark's results and report (``benchmarks/speed.py`` runs it): the
measurements, the issue-18 targets and the markdown with a verdict per target."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from tools.pipeline.manifest import DEFAULT_MODEL

# Each PixelForge variant measured, and its model: the default, and the float32 IS-Net if the
# default is another model.
PIXELFORGE_TOOLS = {"pixelforge": DEFAULT_MODEL, "pixelforge-isnet": "isnet"}
if DEFAULT_MODEL == "isnet":
    del PIXELFORGE_TOOLS["pixelforge-isnet"]
JPEG_QUALITY = 92
# Targets (issue 18): at most half of rembg matted's time at 1024 px, faster at every size; at
# 1024 px within 1.3x of one bare inference of the default model and at most 1.2 worker CPU
# seconds per megapixel; absolute limits at 4000 px.
RATIO_TARGETS = {1024: 0.5, 2048: 1.0, 4000: 1.0}
FLOOR_TARGETS = {1024: 1.3}  # whole pipeline / bare inference
CPU_TARGETS = {1024: 1.2}  # worker CPU seconds per megapixel
CLICK_TARGET = 1.5  # seconds, median click-to-result for a 1 MP JPEG, idle queue
ABSOLUTE_TARGETS = {4000: (4.0, 1000.0)}  # seconds, peak RSS MB


@dataclass
class Measurement:
    tool: str
    size: int
    times: dict[str, list[float]] = field(default_factory=dict)  # photo name -> seconds per run
    pixels: dict[str, list[int]] = field(default_factory=dict)  # photo name -> [width, height]
    cpu: dict[str, list[float]] = field(default_factory=dict)  # photo name -> CPU s per run
    peak_rss_mb: float | None = None
    bare_inference_s: float | None = (
        None  # PixelForge only: the floor, measured in the same process
    )

    def median(self, photo: str) -> float:
        values = self.times.get(photo, [])
        return statistics.median(values) if values else math.nan

    def worst_median(self) -> float:
        return max((self.median(photo) for photo in self.times), default=math.nan)

    def cpu_per_megapixel(self) -> float:
        """Median over runs of the worker's CPU seconds per megapixel, every photo pooled."""
        values = [
            seconds / (self.pixels[photo][0] * self.pixels[photo][1] / 1e6)
            for photo, runs in self.cpu.items()
            for seconds in runs
        ]
        return statistics.median(values) if values else math.nan


@dataclass
class SpeedResults:
    sizes: list[int]
    runs: int
    photos: list[str]
    bare_inference_s: float
    bare_inference_rss_mb: float | None
    providers: list[str]
    measurements: list[Measurement]
    environment: dict[str, str]
    click: dict | None = None  # benchmarks/_click.py's answer

    def get(self, tool: str, size: int) -> Measurement | None:
        for m in self.measurements:
            if m.tool == tool and m.size == size:
                return m
        return None


def _s(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f}"


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def verdicts(results: SpeedResults) -> list[str]:
    """One line per size with a target, judged on the slowest photo (every photo must pass)."""
    lines = []
    for size in results.sizes:
        pf, rb = results.get("pixelforge", size), results.get("rembg", size)
        if pf is None:
            continue
        if size in RATIO_TARGETS:
            goal = RATIO_TARGETS[size]
            ratios = [pf.median(p) / rb.median(p) for p in rb.times] if rb else []
            worst = max(ratios, default=math.nan)
            ok = bool(ratios) and worst <= goal
            lines.append(
                f"- {size} px: PixelForge/rembg-matted {worst:.3f}x on the slowest photo "
                f"(target <= {goal}x): {'PASS' if ok else 'MISS'}"
            )
        if size in FLOOR_TARGETS:
            goal = FLOOR_TARGETS[size]
            floor = results.bare_inference_s
            ratio = pf.worst_median() / floor if floor else math.nan
            lines.append(
                f"- {size} px: whole pipeline / bare {DEFAULT_MODEL} inference {ratio:.2f}x on the "
                f"slowest photo (target <= {goal}x): {'PASS' if ratio <= goal else 'MISS'}"
            )
        if size in CPU_TARGETS:
            goal, cpu = CPU_TARGETS[size], pf.cpu_per_megapixel()
            lines.append(
                f"- {size} px: worker CPU {cpu:.2f} s per megapixel "
                f"(target <= {goal}): {'PASS' if cpu <= goal else 'MISS'}"
            )
        if size in ABSOLUTE_TARGETS:
            max_s, max_mb = ABSOLUTE_TARGETS[size]
            worst_s, rss = pf.worst_median(), pf.peak_rss_mb or math.inf
            ok = worst_s < max_s and rss < max_mb
            lines.append(
                f"- {size} px: {_s(worst_s)} s on the slowest photo, {_mb(pf.peak_rss_mb)} MB peak "
                f"RSS (target < {max_s:.0f} s, < {max_mb:.0f} MB): {'PASS' if ok else 'MISS'}"
            )
    if results.click:
        median = float(results.click["median"])
        lines.append(
            f"- click-to-result, 1 MP JPEG: median {median:.2f} s "
            f"(target < {CLICK_TARGET} s): {'PASS' if median < CLICK_TARGET else 'MISS'}"
        )
    return lines


def markdown(results: SpeedResults) -> str:
    env = results.environment
    tools = [*PIXELFORGE_TOOLS, "rembg"]
    names = {"pixelforge": f"PixelForge {DEFAULT_MODEL}", "rembg": "rembg matted"}
    names["pixelforge-isnet"] = "PixelForge isnet (float32)"
    head = " | ".join(f"{names[t]} s" for t in tools)
    ratios = " | ".join(f"{names[t]} / rembg" for t in PIXELFORGE_TOOLS)
    times = [f"| long side | photo | pixels | {head} | {ratios} |"]
    times.append("|---:|---|---|" + "---:|" * (len(tools) + len(PIXELFORGE_TOOLS)))
    memory = [
        "| long side | tool | peak RSS MB | worker CPU s per MP | bare inference s |",
        "|---:|---|---:|---:|---:|",
    ]
    for size in results.sizes:
        pf = results.get("pixelforge", size)
        if pf is None:
            continue
        for photo in pf.times:
            w, h = pf.pixels[photo]
            cells, rembg_s = [], None
            for tool in tools:
                m = results.get(tool, size)
                if m is None or photo not in m.times:
                    cells.append("skipped")
                    continue
                cells.append(f"{_s(m.median(photo))} ({len(m.times[photo])})")
                rembg_s = m.median(photo) if tool == "rembg" else rembg_s
            for tool in PIXELFORGE_TOOLS:
                m = results.get(tool, size)
                ok = m is not None and rembg_s is not None
                cells.append(f"{m.median(photo) / rembg_s:.3f}" if ok else "n/a")
            times.append(f"| {size} | {photo} | {w}x{h} | " + " | ".join(cells) + " |")
        for tool in tools:
            m = results.get(tool, size)
            if m is None:
                continue
            cpu = _s(m.cpu_per_megapixel()) if m.cpu else "n/a"
            memory.append(
                f"| {size} | {names[tool]} | {_mb(m.peak_rss_mb)} | {cpu} "
                f"| {_s(m.bare_inference_s)} |"
            )
    lines = [
        f"Date {env['date']}; {env['cpu']}, {env['cores']} cores; "
        f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}; "
        f"load average at start {env['load_average_at_start']}.",
        f"Execution provider (default model's session): {', '.join(results.providers)}.",
        f"Photos: {', '.join(results.photos)}, upscaled with LANCZOS, JPEG q{JPEG_QUALITY}. "
        "Times are medians of the runs in brackets (rembg capped above 1024 px), "
        "from file bytes to encoded PNG bytes.",
        "",
        *times,
        "",
        *memory,
        "",
        f"Floor: bare {DEFAULT_MODEL} inference (onnxruntime, one input) in a process of its own: "
        f"{_s(results.bare_inference_s)} s median, "
        f"{_mb(results.bare_inference_rss_mb)} MB peak RSS.",
        "",
        *click_lines(results.click),
        "Targets:",
        *verdicts(results),
    ]
    return "\n".join(lines)


def click_lines(click: dict | None) -> list[str]:
    if not click:
        return []
    w, h = click["pixels"]
    each = ", ".join(f"{t:.2f}" for t in click["times"])
    return [
        f"Click-to-result, {w}x{h} JPEG through the web form (runserver + one worker, as "
        f"`make run`; idle queue): median {click['median']:.2f} s of {len(click['times'])} "
        f"({each}).",
        "",
    ]
