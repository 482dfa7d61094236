"""The 10-armed testbed as a ``task = "custom"`` experiment (Sutton & Barto, Fig. 2.2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.recipe import RecipeError
from dlrecipes.rl.bandits import ten_armed_testbed

#: ``model.options`` of the experiment and their defaults (the book's settings).
OPTIONS = {
    "num_runs": 2000,
    "num_steps": 1000,
    "num_arms": 10,
    "epsilons": (0.0, 0.01, 0.1),
    "ucb_c": 2.0,  # 0: leave UCB out
    "late_steps": 100,  # the "late" numbers average the last this many steps
}


def _options(recipe) -> dict[str, Any]:
    options = dict(recipe.model.options)
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise RecipeError(
            f"experiment 'bandit_testbed' has no model option {unknown[0]!r}. "
            f"Expected one of: {', '.join(OPTIONS)}"
        )
    merged = {**OPTIONS, **options}
    if not 1 <= int(merged["late_steps"]) <= int(merged["num_steps"]):
        raise RecipeError(
            "model.options.late_steps must be in [1, num_steps]. "
            f"Received: late_steps={merged['late_steps']}, num_steps={merged['num_steps']}"
        )
    return merged


def _key(name: str) -> str:
    """``"epsilon=0.1"`` -> ``"epsilon_0.1"``; ``"ucb c=2"`` -> ``"ucb"``."""
    return "ucb" if name.startswith("ucb") else name.replace("=", "_")


def bandit_testbed(recipe, run_dir: Path) -> dict[str, Any]:
    """Greedy vs epsilon-greedy vs UCB on ``num_runs`` random bandit problems.

    Runs :func:`dlrecipes.rl.bandits.ten_armed_testbed` with ``model.options`` and the
    recipe's seed. Writes ``plots/bandit_testbed.png`` (the figure) and
    ``curves.json`` (every curve).

    Returns:
        per method (``greedy``, ``epsilon_0.01``, ``epsilon_0.1``, ``ucb``):
        ``reward_late_<m>`` and ``optimal_late_<m>`` (mean over the last ``late_steps``
        steps), ``reward_final_<m>`` and ``optimal_final_<m>`` (the last step);
        ``best_reward`` (``E[max_a q*(a)]`` of the drawn problems) and
        ``ordering_reproduced``: 1.0 when, late, epsilon = 0.1 beats epsilon = 0.01
        beats greedy in both average reward and % optimal action (the figure's ordering).
    """
    options = _options(recipe)
    run_dir = Path(run_dir)
    ucb_c = float(options["ucb_c"]) or None
    curves = ten_armed_testbed(
        num_runs=int(options["num_runs"]),
        num_steps=int(options["num_steps"]),
        num_arms=int(options["num_arms"]),
        epsilons=tuple(float(e) for e in options["epsilons"]),
        ucb_c=ucb_c,
        seed=int(recipe.seed),
    )
    q_star = np.random.default_rng(int(recipe.seed)).normal(
        size=(int(options["num_runs"]), int(options["num_arms"]))
    )  # the problems the methods ran on (same seed)
    best_reward = float(q_star.max(axis=1).mean())
    from dlrecipes.reports import rl as plots

    plots.bandit_curves(
        curves,
        run_dir / "plots" / "bandit_testbed.png",
        best_reward=best_reward,
        title=f"{options['num_arms']}-armed testbed, {options['num_runs']:,} runs",
    )
    metrics: dict[str, Any] = {"best_reward": round(best_reward, 4)}
    late = {}
    for curve in curves:
        key = _key(curve.name)
        late[key] = curve.late(int(options["late_steps"]))
        metrics[f"reward_late_{key}"] = round(late[key][0], 4)
        metrics[f"optimal_late_{key}"] = round(late[key][1], 4)
        metrics[f"reward_final_{key}"] = round(float(curve.average_reward[-1]), 4)
        metrics[f"optimal_final_{key}"] = round(float(curve.optimal_action[-1]), 4)
    order = [k for k in ("epsilon_0.1", "epsilon_0.01", "greedy") if k in late]
    ordered = len(order) == 3 and all(
        late[a][i] > late[b][i] for a, b in zip(order, order[1:]) for i in (0, 1)
    )
    metrics["ordering_reproduced"] = 1.0 if ordered else 0.0
    (run_dir / "curves.json").write_text(
        json.dumps(
            {
                c.name: {
                    "average_reward": c.average_reward.round(4).tolist(),
                    "optimal_action": c.optimal_action.round(4).tolist(),
                }
                for c in curves
            }
        )
    )
    return metrics
