"""DQN on CartPole-v1: dlrecipes vs Stable-Baselines3's tuned DQN, seed for seed, one machine.

Usage::

    python bench/dqn.py                      # seeds 0 1 2, ours and (if installed) SB3
    python bench/dqn.py --seeds 0 --skip-sb3
    KERAS_BACKEND=jax python bench/dqn.py

SB3 runs the rl-baselines3-zoo hyperparameters for CartPole-v1 (5e4 steps, lr 2.3e-3,
batch 64, buffer 1e5, learning_starts 1000, gamma 0.99, target update every 10
steps, train_freq 256, gradient_steps 128, exploration fraction 0.16 to eps 0.04,
net [256, 256]) for all 50,000 steps; its result is the greedy evaluation of the
final model. Ours runs the ``dqn_cartpole`` recipe (the same hyperparameters but a
[128, 128] network, four environment copies, greedy evaluation every 1,000 steps,
stopping once 100 greedy episodes average >= 475); its result is the greedy
evaluation of the best agent.
Both final evaluations use the same 100 seeded episodes. Every run is a fresh
subprocess; wall times exclude imports and include everything else (compilation,
periodic evaluations, checkpoints). Install SB3 with ``pip install -e .[bench]``
(torch 2.13.0 + stable-baselines3).

Writes ``bench/results/dqn.csv`` and prints a table.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = 50_000
EVAL_EPISODES = 100
EVAL_SEED = 123_456
SOLVED = 475.0
ZOO = {
    "learning_rate": 2.3e-3,
    "batch_size": 64,
    "buffer_size": 100_000,
    "learning_starts": 1_000,
    "gamma": 0.99,
    "target_update_interval": 10,
    "train_freq": 256,
    "gradient_steps": 128,
    "exploration_fraction": 0.16,
    "exploration_final_eps": 0.04,
}


def _evaluate(policy) -> float:
    from dlrecipes.rl.evaluate import evaluate

    return evaluate(policy, "CartPole-v1", {}, EVAL_EPISODES, EVAL_SEED)["return_mean"]


def worker_ours(seed: int, steps: int) -> dict:
    from dlrecipes import rl
    from dlrecipes.recipe import resolve
    from dlrecipes.rl.playback import load_policy
    from recipes.dqn_cartpole import RECIPE

    recipe = resolve(RECIPE, seed=seed, overrides={"agent.total_steps": steps})
    run_dir = Path(tempfile.mkdtemp(prefix="bench-dqn-"))
    (run_dir / "recipe.toml").write_text(_toml(recipe))
    start = time.perf_counter()
    metrics = rl.train_agent(recipe, run_dir, verbose=False)
    wall = time.perf_counter() - start
    _, policy = load_policy(run_dir)
    return {
        "wall_time_s": wall,
        "time_to_solve_s": metrics["time_to_solve_s"] if metrics["solved"] else None,
        "env_steps": metrics["env_steps"],
        "steps_per_second": metrics["env_steps"] / wall,
        "own_eval_return": metrics["eval_return_mean"],
        "eval_return": _evaluate(policy),
    }


def _toml(recipe) -> str:
    from dlrecipes.recipe import recipe_to_toml

    return recipe_to_toml(recipe)


def worker_sb3(seed: int, steps: int, threads: int = 0) -> dict:
    import numpy as np
    import torch
    from stable_baselines3 import DQN

    if threads:
        torch.set_num_threads(threads)

    model = DQN(
        "MlpPolicy",
        "CartPole-v1",
        policy_kwargs={"net_arch": [256, 256]},
        seed=seed,
        device="cpu",
        verbose=0,
        **ZOO,
    )
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    wall = time.perf_counter() - start
    score = _evaluate(lambda obs: np.asarray(model.predict(obs, deterministic=True)[0]))
    return {
        "wall_time_s": wall,
        "time_to_solve_s": wall if score >= SOLVED else None,
        "env_steps": steps,
        "steps_per_second": steps / wall,
        "eval_return": score,
    }


def _spawn(kind: str, seed: int, steps: int, sb3_threads: int = 0) -> dict:
    command = [sys.executable, __file__, "--worker", kind, "--seeds", str(seed)]
    command += ["--steps", str(steps), "--sb3-threads", str(sb3_threads)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"{kind} seed {seed} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return json.loads(lines[-1][len("RESULT ") :])


def _sb3_available() -> bool:
    try:
        import stable_baselines3  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--skip-sb3", action="store_true")
    parser.add_argument("--skip-ours", action="store_true")
    parser.add_argument(
        "--sb3-threads",
        type=int,
        default=0,
        help="torch threads for SB3 (0 = torch's default). On a loaded machine torch's "
        "OpenMP threads can spin for minutes; 1 thread keeps SB3 fast there",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "dqn.csv")
    parser.add_argument("--worker", choices=("ours", "sb3"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        if args.worker == "ours":
            result = worker_ours(args.seeds[0], args.steps)
        else:
            result = worker_sb3(args.seeds[0], args.steps, args.sb3_threads)
        print("RESULT " + json.dumps(result), flush=True)
        return 0

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    kinds = [] if args.skip_ours else [f"dlrecipes ({backend})"]
    if not args.skip_sb3:
        if _sb3_available():
            kinds.append(f"sb3 ({args.sb3_threads or 'default'} threads)")
        else:
            print("stable-baselines3 is not installed: running ours only (pip install -e .[bench])")
    rows = []
    for seed in args.seeds:  # seed for seed, alternating, in one run on one machine
        for kind in kinds:
            worker = "sb3" if kind.startswith("sb3") else "ours"
            result = _spawn(worker, seed, args.steps, args.sb3_threads)
            row = {"implementation": kind, "seed": seed, **result}
            row["solved"] = result["eval_return"] >= SOLVED
            rows.append(row)
            print(_format(row), flush=True)
            _write_csv(args.out, rows)  # after every run, so an interrupted bench keeps its rows
    print(f"\nwrote {args.out}")
    print(
        f"{'implementation':<22} {'seed':>4} {'eval':>7} {'solved':>6} {'to solve s':>10} "
        f"{'wall s':>7} {'env steps':>9} {'steps/s':>8}"
    )
    for row in rows:
        print(_format(row))
    return 0


COLUMNS = (
    "implementation",
    "seed",
    "solved",
    "eval_return",
    "time_to_solve_s",
    "wall_time_s",
    "env_steps",
    "steps_per_second",
)


def _write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _round(row.get(k)) for k in COLUMNS})


def _round(value):
    return round(value, 2) if isinstance(value, float) else value


def _format(row) -> str:
    solve = "-" if row["time_to_solve_s"] is None else f"{row['time_to_solve_s']:.1f}"
    return (
        f"{row['implementation']:<22} {row['seed']:>4} {row['eval_return']:>7.1f} "
        f"{'yes' if row['solved'] else 'no':>6} {solve:>10} {row['wall_time_s']:>7.1f} "
        f"{row['env_steps']:>9,} {row['steps_per_second']:>8,.0f}"
    )


if __name__ == "__main__":
    sys.exit(main())
