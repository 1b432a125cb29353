from django.apps import AppConfig


class ToolsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tools"
    verbose_name = "Background removal tool"

    def ready(self) -> None:
        from tools import checks  # noqa: F401  (registers the tool's system checks)


def configure_pipeline() -> None:
    """Hand the model settings to the pipeline. Called by the processes that run the model
    (the worker, the command line), never by the web server, which must not load onnxruntime."""
    from django.conf import settings

    from tools import pipeline

    pipeline.configure(
        models_dir=settings.PIXELFORGE_MODELS_DIR,
        threads=settings.PIXELFORGE_ONNX_THREADS or None,
        providers=settings.PIXELFORGE_ONNX_PROVIDERS,
    )
