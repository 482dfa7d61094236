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
        model: the trained ``keras.Model`` (``None`` for RL runs, and for a run that
            was already complete).
        already_completed: ``run(resume=RUN_DIR)`` found the run complete and trained
            nothing: ``metrics`` is what its ``metrics.json`` recorded.
    """

    run_dir: Path
    recipe: Recipe
    metrics: dict[str, Any]
    history: dict[str, list[float]] = field(default_factory=dict)
    model: Any = None
    already_completed: bool = False

    @property
    def reached(self) -> bool | None:
        """Whether the recipe's expectation was met."""
        return self.metrics.get("expect", {}).get("reached")
