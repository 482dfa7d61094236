"""Trials per hour of ``tune`` with 1 and 2 workers, Keras Tuner and Optuna.

    python bench/tune_throughput.py                 # softmax_regression --smoke, 6 trials
    python bench/tune_throughput.py --trials 8 --epochs 3

"1 worker" is one process (no ``--workers``: no chief, no extra process); "2
workers" is ``--workers 2`` (Keras Tuner: a chief and two workers; Optuna: two
workers sharing the journal file). The rate is the number of trials over the
wall time of the whole command (process start, data, every trial, the table),
so it is what a user waits for. Prints one JSON line per configuration.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def measure(engine: str, workers: int, trials: int, epochs: int, out: Path) -> dict:
    command = [sys.executable, "-m", "recipes", "tune", "softmax_regression", "--smoke"]
    command += ["--set", f"train.epochs={epochs}", "--set", "train.early_stopping_patience=0"]
    command += ["--trials", str(trials), "--out", str(out)]
    command += ["--workers", str(workers)] if workers > 1 else []
    command += ["--engine", "optuna"] if engine == "optuna" else []
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    completed = None
    for line in done.stdout.splitlines():
        if "trials completed" in line:
            completed = int(line.split()[0])
    return {
        "engine": engine,
        "workers": workers,
        "trials": trials,
        "completed": completed,
        "exit": done.returncode,
        "seconds": round(seconds, 1),
        "trials_per_hour": round(trials / seconds * 3600, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--engines", default="keras_tuner,optuna")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="tune-throughput-"))
    for engine in args.engines.split(","):
        for workers in (int(w) for w in args.workers.split(",")):
            out = root / f"{engine}-{workers}"
            print(json.dumps(measure(engine, workers, args.trials, args.epochs, out)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
