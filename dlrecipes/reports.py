"""Reports run after training: extra plots and outputs a recipe asks for by name.

A report is ``(model, splits, recipe, run_dir) -> dict | None``; it writes its files
under ``run_dir / "plots"`` (or ``run_dir``) and may return numbers that go into
``metrics.json`` under ``reports.<name>``. Recipes list them in ``reports=(...)``.
"""

from __future__ import annotations

import difflib
import importlib

from dlrecipes.recipe import RecipeError

# report name -> "module:function", imported on first use.
REPORTS: dict[str, str] = {
    "filters": "dlrecipes.reports_cnn:filters",
    "feature_maps": "dlrecipes.reports_cnn:feature_maps",
}


def get(name: str):
    """The report function called ``name``."""
    if name not in REPORTS:
        close = difflib.get_close_matches(name, REPORTS, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        known = ", ".join(sorted(REPORTS)) or "none"
        raise RecipeError(f"unknown report {name!r}.{hint} Expected one of: {known}")
    module_name, function_name = REPORTS[name].split(":")
    return getattr(importlib.import_module(module_name), function_name)


def validate(names) -> None:
    """Fail before training when a recipe names an unknown report."""
    for name in names:
        get(name)


def run_all(names, model, splits, recipe, run_dir) -> dict:
    """Run each named report; returns ``{name: result}`` for reports that return numbers."""
    (run_dir / "plots").mkdir(exist_ok=True)
    results = {}
    for name in names:
        value = get(name)(model, splits, recipe, run_dir)
        if value:
            results[name] = value
    return results
