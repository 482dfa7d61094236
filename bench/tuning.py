"""Random search vs grid search with the same budget (Bergstra & Bengio 2012).

The argument: when only a few hyperparameters matter, a grid wastes its budget.
A grid with ``k`` values per hyperparameter over ``d`` hyperparameters costs
``k^d`` trials but tries only ``k`` distinct values of each important one; ``k^d``
random trials try ``k^d`` distinct values of each.

Here: an MLP (64 tanh units, Adam, 8 epochs) on the embedded digits, and a
space of five hyperparameters, two that matter and three that barely do:

| hyperparameter                      | range              | matters? |
|-------------------------------------|--------------------|----------|
| ``train.learning_rate``               | log-uniform 1e-5..1 | yes      |
| ``model.options.dropout``             | uniform 0..0.95     | yes      |
| ``train.optimizer_options.beta_2``    | uniform 0.99..0.9999 | hardly  |
| ``train.optimizer_options.epsilon``   | log-uniform 1e-9..1e-6 | hardly |
| ``train.steps_per_execution``         | int 1..8            | no (execution only) |

Every search gets ``2^5 = 32`` trials (``--budget``). Random search draws 32
points. Two grids with two values per hyperparameter: ``grid`` puts them at the
centres of two equal cells (a careful grid; the ends of a range are rarely good),
``grid-ends`` at the ends of each range (``numpy.linspace``, the naive grid). All
run through :func:`dlrecipes.tuning.tune` (Keras Tuner's ``RandomSearch`` and
``GridSearch``), repeated with ``--repeats`` seeds (the seed also draws the data
split). A grid's best-so-far curve is averaged over random visiting orders, so
it does not depend on Keras Tuner's lexicographic order.

Run::

    python bench/tuning.py                 # 3 seeds x 96 trials: ~40 min on 2 CPU cores
    python bench/tuning.py --repeats 2     # what the closing note of issue 6 reports (27 min)

The searches resume: running the command again after an interruption continues
where it stopped, and a finished bench re-prints its table in seconds.

Writes ``bench/results/tuning.csv`` (every trial: method, repeat, trial, score,
best so far) and ``bench/results/tuning.png`` (best validation accuracy vs trials).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from dlrecipes import registry, tuning  # noqa: E402
from dlrecipes.recipe import (  # noqa: E402
    SearchSpec,
    int_range,
    log_uniform,
    resolve,
    uniform,
)

IMPORTANT = ("train.learning_rate", "model.options.dropout")
SPACE = (
    log_uniform("train.learning_rate", 1e-5, 1.0),
    uniform("model.options.dropout", 0.0, 0.95),
    uniform("train.optimizer_options.beta_2", 0.99, 0.9999),
    log_uniform("train.optimizer_options.epsilon", 1e-9, 1e-6),
    int_range("train.steps_per_execution", 1, 8),
)
METHODS = ("random", "grid", "grid-ends")
ORDERINGS = 200  # random visiting orders averaged for the grid's curve


def bench_recipe(seed: int):
    """The MLP recipe on digits, small and fixed except for the searched fields."""
    base = resolve(
        registry.get("mlp"),
        overrides={
            "model.options.hidden_units": [64],
            "model.options.activation": "tanh",
            "train.epochs": 8,
            "train.batch_size": 64,
            "train.optimizer": "adam",
            "train.early_stopping_patience": 0,
            "train.tensorboard": False,
        },
        seed=seed,
    )
    return dataclasses.replace(base, name="bench_tuning", search=SearchSpec(params=SPACE))


def with_grid(recipe, points: int, centred: bool):
    """The recipe with its space cut into a grid of ``points`` values per hyperparameter."""
    grid = tuning.grid_space(SPACE, points, centred=centred)
    return dataclasses.replace(recipe, search=SearchSpec(params=grid))


def best_so_far(scores) -> np.ndarray:
    """Running maximum, ignoring failed trials (NaN)."""
    clean = np.where(np.isfinite(scores), scores, -np.inf)
    return np.maximum.accumulate(clean)


def run(budget: int, repeats: int, out: Path, verbose: int) -> list[dict]:
    points = round(budget ** (1 / len(SPACE)))
    if points ** len(SPACE) != budget:
        raise SystemExit(f"--budget must be a 5th power (32, 243). Received: {budget}")
    rows = []
    for repeat in range(repeats):
        recipe = bench_recipe(seed=repeat)
        searches = {
            "random": (recipe, "random", out / f"seed{repeat}"),
            "grid": (with_grid(recipe, points, centred=True), "grid", out / f"seed{repeat}"),
            "grid-ends": (
                with_grid(recipe, points, centred=False),
                "grid",
                out / f"seed{repeat}" / "ends",
            ),
        }
        for method, (spec, tuner, directory) in searches.items():
            started = time.perf_counter()
            result = tuning.tune(spec, tuner=tuner, trials=budget, out=directory, verbose=verbose)
            seconds = time.perf_counter() - started
            trial_seconds = sum(r["seconds"] or 0 for r in result.rows)
            scores = np.array(
                [r["val_accuracy"] if r["status"] == "COMPLETED" else math.nan for r in result.rows]
            )
            distinct = {p: len({r[p] for r in result.rows}) for p in IMPORTANT}
            print(
                f"seed {repeat} {method:>9}: best val_accuracy {np.nanmax(scores):.4f} "
                f"after {len(scores)} trials ({trial_seconds:.0f} s of trials, {seconds:.0f} s "
                "now); distinct values tried: "
                + ", ".join(f"{p.split('.')[-1]} {n}" for p, n in distinct.items()),
                flush=True,
            )
            for number, (row, score, best) in enumerate(
                zip(result.rows, scores, best_so_far(scores)), start=1
            ):
                rows.append(
                    {
                        "method": method,
                        "repeat": repeat,
                        "trial": number,
                        "val_accuracy": score,
                        "best_so_far": best,
                        **{p.path: row[p.path] for p in SPACE},
                    }
                )
    return rows


def curves(rows: list[dict], budget: int, repeats: int) -> dict[str, np.ndarray]:
    """Best so far vs trials, shape (repeats, budget), per method.

    A grid's curve is the mean over random visiting orders of its points.
    """
    rng = np.random.default_rng(0)
    out = {}
    for method in METHODS:
        per_repeat = []
        for repeat in range(repeats):
            scores = np.array(
                [r["val_accuracy"] for r in rows if r["method"] == method and r["repeat"] == repeat]
            )
            if method.startswith("grid"):
                orders = [best_so_far(scores[rng.permutation(budget)]) for _ in range(ORDERINGS)]
                per_repeat.append(np.mean(orders, axis=0))
            else:
                per_repeat.append(best_so_far(scores))
        out[method] = np.array(per_repeat)
    return out


def table(curve: dict[str, np.ndarray], budget: int) -> str:
    checkpoints = [n for n in (1, 2, 4, 8, 16, 32, 64, 128, 243) if n <= budget]
    header = "  ".join(f"{m + ' (mean ± sd)':<20}" for m in METHODS)
    lines = [f"best validation accuracy so far\ntrials  {header}".rstrip()]
    for n in checkpoints:
        cells = []
        for method in METHODS:
            values = curve[method][:, n - 1]
            cells.append(f"{values.mean():.4f} ± {values.std():.4f}")
        lines.append(f"{n:>6}  " + "  ".join(f"{c:<20}" for c in cells).rstrip())
    return "\n".join(lines)


def plot(curve: dict[str, np.ndarray], path: Path, budget: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trials = np.arange(1, budget + 1)
    fig, axis = plt.subplots(figsize=(6.5, 4))
    for method, color in zip(METHODS, ("C1", "C0", "C2")):
        mean, sd = curve[method].mean(axis=0), curve[method].std(axis=0)
        axis.plot(trials, mean, color=color, lw=2, label=f"{method} search")
        axis.fill_between(trials, mean - sd, mean + sd, color=color, alpha=0.2)
    axis.set_xscale("log", base=2)
    axis.set_xlabel("trials")
    axis.set_ylabel("best validation accuracy so far")
    axis.set_title("Random vs grid search, 2 important + 3 unimportant hyperparameters")
    axis.grid(alpha=0.3)
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=32, help="trials per search (a 5th power)")
    parser.add_argument("--repeats", type=int, default=3, help="seeds")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench-tuning")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--verbose", type=int, default=0, help="1 prints every trial")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = run(args.budget, args.repeats, args.out, args.verbose)
    args.results.mkdir(parents=True, exist_ok=True)
    with (args.results / "tuning.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    curve = curves(rows, args.budget, args.repeats)
    print(table(curve, args.budget))
    plot(curve, args.results / "tuning.png", args.budget)
    print(
        f"wrote {args.results / 'tuning.csv'} and {args.results / 'tuning.png'} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
