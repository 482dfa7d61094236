"""The library's structure: imports point down only.

``cli -> runs / tuning -> experiments / reports -> models / data / training /
evaluation -> layers / spec``: nothing below the orchestrator imports it (nor the
CLI, nor tuning), so a notebook, a test or another tool can use any lower part
without pulling in the run machinery.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dlrecipes"
LOWER = ("experiments", "reports", "models", "training", "data", "rl", "layers", "spec", "export")
UPPER = ("dlrecipes.runs", "dlrecipes.runner", "dlrecipes.compare", "dlrecipes.cli")
UPPER_FOR_SPEC = (*UPPER, "dlrecipes.tuning", "keras", "tensorflow", "jax")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _offending(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        name
        for name in _imports(path)
        for top in forbidden
        if name == top or name.startswith(top + ".")
    )


@pytest.mark.parametrize("package", LOWER)
def test_nothing_below_the_orchestrator_imports_it(package):
    offending = {
        str(path.relative_to(PACKAGE)): _offending(path, (*UPPER, "dlrecipes.tuning"))
        for path in sorted((PACKAGE / package).rglob("*.py"))
    }
    assert {k: v for k, v in offending.items() if v} == {}


def test_the_spec_imports_no_framework_and_nothing_above_it():
    offending = {
        str(path.relative_to(PACKAGE)): _offending(path, UPPER_FOR_SPEC)
        for path in sorted((PACKAGE / "spec").rglob("*.py"))
    }
    assert {k: v for k, v in offending.items() if v} == {}


def test_no_argparse_namespace_travels_below_the_cli():
    users = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "cli.py" and "argparse" in _imports(path)
    )
    assert users == []
