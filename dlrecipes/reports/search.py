"""The figure of a hyperparameter search: each trial's objective and the best so far.

Written by ``python -m recipes tune`` as ``<search dir>/plots/search.png`` from the
rows of :func:`dlrecipes.tuning.results.read_trials`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from dlrecipes.reports.figures import pyplot, save


def plot_search(
    rows: Sequence[dict],
    objective: str,
    direction: str,
    path: str | Path,
    title: str = "",
    default: float | None = None,
) -> Path:
    """The objective of each trial (points) and the best so far (a step line).

    Trials that did not complete (or scored NaN / infinity) are marked by a red
    band at their trial number.

    Args:
        rows: from :func:`dlrecipes.tuning.results.read_trials`: each has ``status``
            (``"COMPLETED"`` for a scored trial) and the ``objective`` value.
        objective: the quantity optimised.
        direction: ``max`` or ``min``.
        path: the PNG to write.
        title: the figure title.
        default: the recipe's own configuration's score, drawn as a dashed line.

    Returns:
        ``path``.
    """
    if direction not in ("max", "min"):
        raise ValueError(f"direction must be 'max' or 'min'. Received: direction={direction!r}")
    import matplotlib.ticker

    plt = pyplot()
    numbers, scores, best_so_far, failed = [], [], [], []
    best = None
    for number, row in enumerate(rows, start=1):
        value = row.get(objective) if row["status"] == "COMPLETED" else None
        if value is None or not math.isfinite(value):
            failed.append(number)
        else:
            numbers.append(number)
            scores.append(value)
            better = best is None or (value > best if direction == "max" else value < best)
            best = value if better else best
        best_so_far.append(best)
    fig, axis = plt.subplots(figsize=(6.5, 4))
    axis.plot(numbers, scores, "o", alpha=0.6, label=f"{objective} of the trial")
    steps = [(n, b) for n, b in enumerate(best_so_far, start=1) if b is not None]
    if steps:
        axis.step(*zip(*steps), where="post", color="C1", lw=2, label="best so far")
    if default is not None:
        axis.axhline(default, color="gray", ls="--", lw=1, label="recipe default")
    for number in failed:
        axis.axvline(number, color="C3", alpha=0.2, lw=3)
    if failed:
        axis.plot([], [], color="C3", alpha=0.4, lw=3, label="failed trial")
    axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axis.set_xlabel("trial")
    axis.set_ylabel(objective)
    axis.grid(alpha=0.3)
    axis.legend(loc="best", fontsize=8)
    axis.set_title(title)
    return save(fig, path)
