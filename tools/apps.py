from django.apps import AppConfig


class ToolsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tools"
    verbose_name = "Background removal tool"

    def ready(self) -> None:
        from django.conf import settings

        from tools import checks as tool_checks  # noqa: F401  (upload rate, model file)
        from tools import pipeline
        from tools.api import checks  # noqa: F401  (registers the API's system checks)

        pipeline.configure(
            models_dir=settings.PIXELFORGE_MODELS_DIR,
            threads=settings.PIXELFORGE_ONNX_THREADS or None,
        )
