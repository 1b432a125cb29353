"""The shape of the code (docs/CONTRACTS.md, "Layers"): imports go downward only, with no cycle;
one module composes a job's file paths; no module grows far past 400 lines.

Read from the source with ``ast``: every import counts, those inside functions and under
TYPE_CHECKING too, since a cycle held together by a function-level import is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ROOTS = ("pixelforge", "tools", "blog")
MAX_LINES = 400
# The modules that may compose a job's path: the storage service owns the file layout
# (storage.FILES), the models module names a job's folder (job_dir).
PATH_OWNERS = {"tools.services.storage", "tools.models"}


def _modules() -> dict[str, Path]:
    found = {}
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imported(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: _imported(name, path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _importers(prefixes: tuple[str, ...], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    return {
        name: sorted(t for t in targets if t.startswith(forbidden))
        for name, targets in GRAPH.items()
        if name.startswith(prefixes) and any(t.startswith(forbidden) for t in targets)
    }


def test_it_finds_a_cycle_and_an_upward_import_when_there_is_one():
    """The checks below can fail: a made-up graph with the old shape fails them."""
    old = {
        "tools.tasks": {"tools.services.processing"},
        "tools.services.processing": {"tools.api.jobs"},
        "tools.api.jobs": {"tools.services.jobs"},
        "tools.services.jobs": {"tools.tasks"},
    }
    assert cycles(old) == [sorted(old)]


def test_there_is_no_import_cycle():
    assert cycles(GRAPH) == []


def test_services_and_the_pipeline_never_import_the_api_or_the_views():
    upward = _importers(("tools.services", "tools.pipeline"), ("tools.api", "tools.views"))
    assert upward == {}


def test_the_pipeline_imports_nothing_from_django_or_the_services():
    assert _importers(("tools.pipeline",), ("tools.services", "tools.models")) == {}
    for name, path in MODULES.items():
        if name.startswith("tools.pipeline"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    continue
                assert not [n for n in names if n.split(".")[0] == "django"], name


def test_the_task_queue_module_imports_no_service_and_no_task():
    assert not {t for t in GRAPH["tools.services.queue"] if t.startswith("tools.")}


def _composes_job_paths(path: Path) -> list[int]:
    """Lines that use job_dir, or spell out a job's folder ("jobs/..." in an f-string)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Name) and node.id == "job_dir") or (
            isinstance(node, ast.alias) and node.name == "job_dir"
        ):
            lines.append(node.lineno)
        elif isinstance(node, ast.JoinedStr):
            text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
            if text.startswith("jobs/"):
                lines.append(node.lineno)
    return sorted(set(lines))


def test_only_storage_and_the_models_compose_a_jobs_file_path():
    found = {
        name: _composes_job_paths(path)
        for name, path in MODULES.items()
        if name not in PATH_OWNERS and _composes_job_paths(path)
    }
    assert found == {}


def test_the_path_check_sees_a_path_composed_elsewhere(tmp_path):
    module = tmp_path / "elsewhere.py"
    module.write_text(
        "from tools.models import job_dir\n"
        "def thumb(job):\n"
        "    return f'{job_dir(job.code)}/thumb.png'\n"
        "def other(code):\n"
        "    return f'jobs/{code}/upload'\n"
    )
    assert _composes_job_paths(module) == [1, 3, 5]


@pytest.mark.parametrize("root", ROOTS)
def test_no_module_is_over_400_lines(root):
    long = {
        name: count
        for name, path in MODULES.items()
        if name.split(".")[0] == root and (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
