"""DQN: dlrecipes vs Stable-Baselines3's tuned DQN, seed for seed, one machine.

CartPole-v1, Acrobot-v1 and MountainCar-v0, each with rl-baselines3-zoo's tuned settings
(``hyperparams/dqn.yml``) for SB3 and the ``dqn_cartpole`` / ``dqn_acrobot`` /
``dqn_mountaincar`` recipes for ours.

Usage::

    python bench/dqn.py                      # 3 envs x seeds 0 1 2, ours and (if installed) SB3
    python bench/dqn.py --envs CartPole-v1 --seeds 0 --skip-sb3
    python bench/dqn.py --seeds 0 1 2 3 4 5 6 7 8 9   # the issue's 10 seeds (hours)
    KERAS_BACKEND=jax python bench/dqn.py

Per environment it prints solved in k/n seeds, the median time to solve and the median
env steps per second of each implementation. The CartPole details:

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

For Acrobot and MountainCar the same holds with their zoo settings (:data:`BENCHES`).
Writes ``bench/results/dqn.csv`` (one row per run, with its environment) and prints a table.
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
EVAL_EPISODES = 100
EVAL_SEED = 123_456
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
#: Per environment: our recipe, the zoo's budget and settings for SB3, the solved return.
BENCHES = {
    "CartPole-v1": {"recipe": "dqn_cartpole", "steps": 50_000, "solved": 475.0, "zoo": ZOO},
    "Acrobot-v1": {
        "recipe": "dqn_acrobot",
        "steps": 100_000,
        "solved": -100.0,
        "zoo": {
            "learning_rate": 6.3e-4,
            "batch_size": 128,
            "buffer_size": 50_000,
            "learning_starts": 0,
            "gamma": 0.99,
            "target_update_interval": 250,
            "train_freq": 4,
            "gradient_steps": -1,
            "exploration_fraction": 0.12,
            "exploration_final_eps": 0.1,
        },
    },
    "MountainCar-v0": {
        "recipe": "dqn_mountaincar",
        "steps": 120_000,
        "solved": -110.0,
        "zoo": {
            "learning_rate": 4e-3,
            "batch_size": 128,
            "buffer_size": 10_000,
            "learning_starts": 1_000,
            "gamma": 0.98,
            "target_update_interval": 600,
            "train_freq": 16,
            "gradient_steps": 8,
            "exploration_fraction": 0.2,
            "exploration_final_eps": 0.07,
        },
    },
}


def _evaluate(policy, env_id: str) -> float:
    from dlrecipes.rl.evaluate import evaluate

    return evaluate(policy, env_id, {}, EVAL_EPISODES, EVAL_SEED)["return_mean"]


def worker_ours(env_id: str, seed: int, steps: int) -> dict:
    from dlrecipes import registry, rl
    from dlrecipes.recipe import resolve
    from dlrecipes.rl.playback import load_policy

    recipe = registry.get(BENCHES[env_id]["recipe"])
    recipe = resolve(recipe, seed=seed, overrides={"agent.total_steps": steps})
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
        "eval_return": _evaluate(policy, env_id),
    }


def _toml(recipe) -> str:
    from dlrecipes.recipe import recipe_to_toml

    return recipe_to_toml(recipe)


def worker_sb3(env_id: str, seed: int, steps: int, threads: int = 0) -> dict:
    import numpy as np
    import torch
    from stable_baselines3 import DQN

    if threads:
        torch.set_num_threads(threads)

    model = DQN(
        "MlpPolicy",
        env_id,
        policy_kwargs={"net_arch": [256, 256]},
        seed=seed,
        device="cpu",
        verbose=0,
        **BENCHES[env_id]["zoo"],
    )
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    wall = time.perf_counter() - start
    score = _evaluate(lambda obs: np.asarray(model.predict(obs, deterministic=True)[0]), env_id)
    return {
        "wall_time_s": wall,
        "time_to_solve_s": wall if score >= BENCHES[env_id]["solved"] else None,
        "env_steps": steps,
        "steps_per_second": steps / wall,
        "eval_return": score,
    }


def _spawn(kind: str, env_id: str, seed: int, steps: int, sb3_threads: int = 0) -> dict:
    command = [sys.executable, __file__, "--worker", kind, "--seeds", str(seed)]
    command += ["--envs", env_id]
    command += ["--steps", str(steps), "--sb3-threads", str(sb3_threads)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"{kind} {env_id} seed {seed} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
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
    parser.add_argument("--envs", nargs="+", choices=list(BENCHES), default=list(BENCHES))
    parser.add_argument(
        "--steps", type=int, default=0, help="env steps per run (0: each environment's budget)"
    )
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
        env_id = args.envs[0]
        if args.worker == "ours":
            result = worker_ours(env_id, args.seeds[0], args.steps)
        else:
            result = worker_sb3(env_id, args.seeds[0], args.steps, args.sb3_threads)
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
    for env_id in args.envs:
        steps = args.steps or BENCHES[env_id]["steps"]
        for seed in args.seeds:  # seed for seed, alternating, in one run on one machine
            for kind in kinds:
                worker = "sb3" if kind.startswith("sb3") else "ours"
                result = _spawn(worker, env_id, seed, steps, args.sb3_threads)
                row = {"env": env_id, "implementation": kind, "seed": seed, **result}
                row["solved"] = result["eval_return"] >= BENCHES[env_id]["solved"]
                rows.append(row)
                print(_format(row), flush=True)
                _write_csv(args.out, rows)  # after every run: an interrupted bench keeps rows
    print(f"\nwrote {args.out}")
    print(
        f"{'env':<15} {'implementation':<22} {'seed':>4} {'eval':>7} {'solved':>6} "
        f"{'to solve s':>10} {'wall s':>7} {'env steps':>9} {'steps/s':>8}"
    )
    for row in rows:
        print(_format(row))
    print()
    for line in _summary(rows):
        print(line)
    return 0


def _summary(rows: list[dict]) -> list[str]:
    """Per environment and implementation: solved k/n, median time to solve, steps/s."""
    import statistics

    lines = [
        f"{'env':<15} {'implementation':<22} {'solved':>7} {'median s to solve':>17} "
        f"{'median steps/s':>14}"
    ]
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["env"], row["implementation"]), []).append(row)
    for (env_id, kind), group in groups.items():
        times = [r["time_to_solve_s"] for r in group if r["solved"] and r["time_to_solve_s"]]
        median = f"{statistics.median(times):.1f}" if times else "-"
        speed = statistics.median(r["steps_per_second"] for r in group)
        solved = f"{sum(r['solved'] for r in group)}/{len(group)}"
        lines.append(f"{env_id:<15} {kind:<22} {solved:>7} {median:>17} {speed:>14,.0f}")
    return lines


COLUMNS = (
    "env",
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
        f"{row['env']:<15} {row['implementation']:<22} {row['seed']:>4} "
        f"{row['eval_return']:>7.1f} "
        f"{'yes' if row['solved'] else 'no':>6} {solve:>10} {row['wall_time_s']:>7.1f} "
        f"{row['env_steps']:>9,} {row['steps_per_second']:>8,.0f}"
    )


if __name__ == "__main__":
    sys.exit(main())
