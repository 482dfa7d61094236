"""Evaluate a saved run: its test split, or another data source through its preprocessing.

``model.keras`` is always loaded with Keras' safe mode (no lambda or other code
is deserialised); the custom layers, losses and schedules of the library are
registered first so that they load by name.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from dlrecipes.evaluation import evaluate_model
from dlrecipes.models.build import load_saved_model
from dlrecipes.spec import RecipeError, recipe_from_toml


def load_run_model(run_dir: Path):
    """Load a run's ``model.keras`` in safe mode (:func:`~dlrecipes.models.build.load_saved_model`):
    a missing, truncated, corrupt or refused file is a one-line :class:`RecipeError`."""
    return load_saved_model(Path(run_dir) / "model.keras")


def _trained_image_size(run_dir: Path) -> int | None:
    try:
        data = json.loads((run_dir / "metrics.json").read_text())["data"]
        return int(data["image_size"]) if data.get("image_size") else None
    except (OSError, KeyError, ValueError):
        return None


def evaluate(run_dir: str | Path, data: str | None = None, split: str = "test") -> dict[str, Any]:
    """Evaluate a saved run's model on its test split or on another data source.

    The recipe's own preprocessing is applied to the other source; images are resized
    to the model's input size when they differ (e.g. 8x8 digits for an MNIST model).

    Returns:
        ``{"run_dir", "data", "examples", "metrics", "classification"}``.
    """
    from dlrecipes import data as data_sources
    from dlrecipes.training import compile_model
    from dlrecipes.training.targets import targets_for_loss

    run_dir = Path(run_dir)
    if not (run_dir / "recipe.toml").is_file():
        raise RecipeError(
            f"evaluate expects a run directory holding recipe.toml. Received: {str(run_dir)!r}"
        )
    recipe = recipe_from_toml(run_dir / "recipe.toml")
    if recipe.task != "supervised":
        raise RecipeError(
            f"evaluate expects a supervised run. Received: {recipe.name!r} has task = "
            f"{recipe.task!r}"
            + (" (play an agent with: run NAME --play RUN_DIR)" if recipe.agent else "")
        )
    model = load_run_model(run_dir)
    spec = recipe.data
    if data is not None:
        spec = dataclasses.replace(spec, source=data, options={}, limit=0)
    splits = data_sources.load(spec, seed=recipe.seed)
    expected = tuple(model.input_shape[1:])
    if splits.input_shape != expected and len(expected) == 3 and len(splits.input_shape) == 3:
        # Another image source: resize to the size the model was trained on (before padding).
        trained = _trained_image_size(run_dir) or expected[0]
        spec = dataclasses.replace(spec, image_size=trained)
        splits = data_sources.load(spec, seed=recipe.seed)
    if splits.input_shape != expected:
        raise RecipeError(
            f"the model expects inputs of shape {expected}; {spec.source!r} gives "
            f"{splits.input_shape} after the recipe's preprocessing"
        )
    splits = targets_for_loss(splits, recipe.train.loss)
    compile_model(model, recipe.train, len(splits.x_train))
    result = evaluate_model(model, splits, recipe, split)
    return {
        "run_dir": str(run_dir),
        "data": spec.source,
        "split": split,
        "examples": int(len(getattr(splits, f"x_{split}"))),
        "metrics": result["metrics"],
        "classification": result["report"],
    }
