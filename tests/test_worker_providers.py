"""PIXELFORGE_ONNX_PROVIDERS reaches the workers' onnxruntime sessions (CPU by default)."""

from __future__ import annotations

import os
import warnings

from tools import pipeline
from tools.apps import configure_pipeline


def test_the_providers_setting_reaches_the_session_and_falls_back_to_the_cpu(settings):
    settings.PIXELFORGE_ONNX_PROVIDERS = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    try:
        configure_pipeline()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            session = pipeline.get_session("u2netp")
        import onnxruntime

        if "CUDAExecutionProvider" in onnxruntime.get_available_providers():  # a GPU build
            assert session.get_providers()[0] == "CUDAExecutionProvider"
        else:  # asked for CUDA first: onnxruntime says it is not here and uses the CPU
            assert any("CUDAExecutionProvider" in str(w.message) for w in caught)
            assert session.get_providers() == ["CPUExecutionProvider"]
    finally:
        settings.PIXELFORGE_ONNX_PROVIDERS = ["CPUExecutionProvider"]
        configure_pipeline()


def test_each_job_reuses_the_model_session_the_last_one_made(settings):
    """Every job hands the settings to the pipeline again (tools.tasks.process_job): the same
    settings keep the worker's session (a new one per job cost about 0.2 s); new providers
    make a new one."""
    configure_pipeline()
    session = pipeline.get_session("u2netp")
    configure_pipeline()
    assert pipeline.get_session("u2netp") is session
    settings.PIXELFORGE_ONNX_PROVIDERS = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    try:
        configure_pipeline()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no CUDA here: onnxruntime says so and uses the CPU
            assert pipeline.get_session("u2netp") is not session
    finally:
        settings.PIXELFORGE_ONNX_PROVIDERS = ["CPUExecutionProvider"]
        configure_pipeline()


def test_a_worker_runs_numba_on_one_thread_unless_told_otherwise(monkeypatch, settings):
    from tools.management.commands.worker import limit_threads

    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    assert settings.PIXELFORGE_WORKER_THREADS == 1  # the default
    limit_threads(0)
    assert "NUMBA_NUM_THREADS" not in os.environ  # 0: the libraries' own choice
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    limit_threads(1)
    assert os.environ["NUMBA_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "4"  # an explicit variable wins


def test_a_worker_leaves_onnxruntime_one_thread_per_core(monkeypatch, settings):
    """A lone job's inference may use both cores: the worker limits numba and OpenMP, not
    onnxruntime, whose threads do not spin (docs/benchmarks.md, "Speed (issue 18)")."""
    from tools.management.commands.worker import configure_worker
    from tools.pipeline import sessions

    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "PIXELFORGE_ONNX_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sessions, "_threads", None)  # as in a new worker process
    configure_worker()
    assert os.environ["NUMBA_NUM_THREADS"] == "1"
    assert sessions.onnx_threads() == 0  # onnxruntime's choice: one per physical core
    session = pipeline.get_session("u2netp")
    assert session.get_session_options().intra_op_num_threads == 0
    settings.PIXELFORGE_ONNX_THREADS = 1  # an explicit setting still wins
    configure_worker()
    assert sessions.onnx_threads() == 1
