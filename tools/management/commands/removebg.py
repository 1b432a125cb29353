"""python manage.py removebg INPUT... : cut out the subject of each photo from the command line.

Each input is a request to the cut-out service (tools/services/cutouts.py), run in this process
by the same steps a worker runs for the API. Each model is loaded once for all inputs. Inputs
and the background image are decoded within the site's limits (PIXELFORGE_MAX_*): larger
images are scaled down, with a note. A bad input, or any
failure while processing one, is reported by name and the rest still run; the command fails
(non-zero exit) at the end if any input failed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tools import pipeline
from tools.apps import configure_pipeline
from tools.images import load_within_limits
from tools.services import cutouts

log = logging.getLogger(__name__)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temp file next to ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


class Command(BaseCommand):
    help = "Remove the background of one or more photos and write PNG files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="image files")
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "-o", "--output", type=Path, help="output file (only with a single input)"
        )
        target.add_argument(
            "--out-dir", type=Path, help="folder for <input stem>.png (default: current folder)"
        )
        parser.add_argument(
            "--model", choices=sorted(pipeline.MODELS), default=pipeline.DEFAULT_MODEL
        )
        parser.add_argument(
            "--no-matting", action="store_true", help="skip alpha matting (faster, rougher edges)"
        )
        parser.add_argument(
            "--mask", action="store_true", help="write the alpha as a single-channel PNG"
        )
        parser.add_argument("--bg-color", metavar="HEX", help="solid background, e.g. #ffffff")
        parser.add_argument("--bg-image", type=Path, metavar="PATH", help="background image")
        parser.add_argument(
            "--blur", type=float, default=0.0, metavar="RADIUS", help="blurred original behind"
        )
        parser.add_argument("--crop", action="store_true", help="crop to the subject")
        parser.add_argument(
            "--shadow",
            choices=("drop", "contact"),
            help="shadow under the subject: drop (cast on the floor from its base) or contact "
            "(the photo's own, when it has one)",
        )
        style = pipeline.DropStyle()
        for name, what in (
            ("angle", "degrees: 0 back, 90 right, -90 left, 180 towards the viewer"),
            ("length", "in %% of the subject's height"),
            ("softness", "0 crisp to 100 very soft"),
        ):
            parser.add_argument(
                f"--shadow-{name}",
                type=float,
                default=getattr(style, name),
                metavar="N",
                help=f"drop shadow {name}, {what} (default %(default)g)",
            )
        parser.add_argument(
            "--margin", type=int, default=0, metavar="N", help="px around the subject when cropping"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        configure_pipeline()
        inputs: list[Path] = options["inputs"]
        if options["output"] is not None and len(inputs) > 1:
            raise CommandError("-o/--output takes a single input; use --out-dir for several.")
        bg_image = None
        if options["bg_image"] is not None:
            try:
                bg_image = load_within_limits(options["bg_image"])
            except (OSError, pipeline.PipelineError) as exc:
                raise CommandError(f"--bg-image {options['bg_image']}: {exc}") from exc
        output = cutouts.Output(
            format="mask" if options["mask"] else "png",
            bg_color=options["bg_color"],
            blur=options["blur"],
            crop=options["crop"],
            margin=pipeline.Margin(options["margin"]),
            shadow=options["shadow"] or "none",
            keep_alpha=True,  # the command always writes RGBA (or a mask's L) PNG files
            allow_empty=True,  # and writes what is left, even nothing
        )
        try:  # every option checked before any photo is processed
            style = pipeline.build_drop_style(
                options["shadow_angle"], options["shadow_length"], options["shadow_softness"]
            )
            output = dataclasses.replace(output, shadow_style=style)
            cutouts.output_options(output, bg_image, options["margin"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out_dir: Path = options["out_dir"] or Path.cwd()
        failed: list[str] = []
        for number, source in enumerate(inputs, 1):
            started = time.perf_counter()
            target = options["output"] or out_dir / f"{source.stem}.png"
            prefix = f"[{number}/{len(inputs)}] {source.name}"
            request = cutouts.CutoutRequest(
                source,
                filename=source.name,
                model=options["model"],
                matting=not options["no_matting"],
                background=bg_image,
                output=output,
            )
            try:
                result, note = cutouts.run(request)
                if note:
                    self.stderr.write(f"{prefix} note: {note}")
                write_atomically(target, result.data)
            except pipeline.ModelUnavailable as exc:
                raise CommandError(str(exc)) from exc
            except (pipeline.PipelineError, OSError) as exc:
                failed.append(source.name)
                self.stderr.write(f"{prefix} failed: {exc}")
                continue
            except Exception as exc:  # a fault while processing this file: report it, go on
                log.debug("%s failed", source, exc_info=True)
                failed.append(source.name)
                self.stderr.write(f"{prefix} failed while processing: {type(exc).__name__}: {exc}")
                continue
            self.stderr.write(f"{prefix} -> {target} {time.perf_counter() - started:.1f} s")
        done = len(inputs) - len(failed)
        if failed:
            raise CommandError(f"{len(failed)} of {len(inputs)} failed: {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS(f"{done} image(s) done"))
