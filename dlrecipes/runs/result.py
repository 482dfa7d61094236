"""What a run returns: :class:`RunResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlrecipes.spec import Recipe


@dataclass
class RunResult:
    """What a run produced.

    Attributes:
        run_dir: the run directory.
        recipe: the resolved recipe.
        metrics: the content of ``metrics.json``.
        history: per-epoch values (``loss``, ``val_accuracy``, ...).
        model: the trained ``keras.Model`` (``None`` for RL runs).
    """

    run_dir: Path
    recipe: Recipe
    metrics: dict[str, Any]
    history: dict[str, list[float]] = field(default_factory=dict)
    model: Any = None

    @property
    def reached(self) -> bool | None:
        """Whether the recipe's expectation was met."""
        return self.metrics.get("expect", {}).get("reached")
