"""Benchmark the RNN lecture: training speed and reached metric of each cell, XLA on/off,
TensorFlow vs JAX, on the adding problem (T = 100) and row-by-row MNIST.

For every backend (one subprocess each, ``KERAS_BACKEND`` set: Keras fixes its
backend at import), task, cell (``simple_rnn``, ``lstm``, ``gru``,
``peephole_lstm``) and ``jit_compile`` (on / off), the worker builds the
recipe's model with the cell swapped in -- data, optimizer, batch size and
learning rate are those of ``lstm_adding`` and ``lstm_rowmnist --profile
mnist8k`` (digits resized to 28x28 when ``../shared/data/mnist-8k`` is
missing) -- and trains it for a fixed number of optimizer steps from the same
seed:

- ``compile_s``: the first step (tracing + compilation + one step);
- ``steps_per_s``: the steps after the first, divided by their time;
- ``metric``: test MSE (adding; the predict-the-mean baseline is 0.167) or test
  accuracy (row MNIST) after the budget. The budget is short: on the adding
  problem the GRU usually leaves the 0.167 plateau within it, the LSTM later
  (see the recipes for the full runs). XLA on and off run the same math, so
  their metrics should agree up to floating-point noise.

A configuration stops early after ``--max-seconds`` (noted in ``note``).

Usage::

    python bench/rnn.py                        # table -> bench/results/rnn.csv
    python bench/rnn.py --backends tensorflow --cells lstm,gru --tasks adding
    python bench/rnn.py --quick                # 20 steps each: a check that it all runs

Timings on a shared machine are noisy: the CSV records the load average.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "bench" / "results"
BACKENDS = ("tensorflow", "jax")
CELLS = ("simple_rnn", "lstm", "gru", "peephole_lstm")
JIT_COMPILE = (True, False)
MNIST_8K = REPO_ROOT.parent / "shared" / "data" / "mnist-8k"

#: task -> (recipe, profile, default number of training steps, metric)
TASKS = {
    "adding": ("lstm_adding", None, 300, "mse"),
    "rowmnist": ("lstm_rowmnist", "mnist8k", 200, "accuracy"),
}

FIELDS = (
    "backend",
    "task",
    "cell",
    "jit_compile",
    "steps",
    "batch_size",
    "compile_s",
    "steps_per_s",
    "metric",
    "value",
    "data",
    "note",
)


# --------------------------------------------------------------------------- worker side


def _task_recipe(task: str):
    from dlrecipes import registry
    from dlrecipes.spec import resolve

    name, profile, _, _ = TASKS[task]
    recipe = resolve(registry.get(name), profile=profile)
    if task == "rowmnist" and not MNIST_8K.is_dir():
        recipe = resolve(registry.get(name))  # digits resized to 28x28
    return resolve(recipe, overrides={"train.tensorboard": False})


def _measure(task: str, splits, recipe, cell: str, jit_compile: bool, steps: int, cap: float):
    """Train ``steps`` steps of one configuration; time them; evaluate on the test split."""
    import keras
    import numpy as np

    from dlrecipes.models.build import build_model
    from dlrecipes.spec import with_overrides
    from dlrecipes.training import compile_model, set_seed

    class Clock(keras.callbacks.Callback):
        """Times the first step (compilation) and the steps after it; enforces the cap."""

        def __init__(self):
            super().__init__()
            self.begin = self.first_end = self.end = None
            self.steps = 0

        def on_train_begin(self, logs=None):
            self.begin = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.steps = batch + 1
            if self.first_end is None:
                self.first_end = time.perf_counter()
            if time.perf_counter() - self.begin > cap:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            self.end = time.perf_counter()

    arm = with_overrides(recipe, {"model.options.cell": cell, "train.jit_compile": jit_compile})
    set_seed(recipe.seed, jit_compile)
    model = build_model(arm, splits)
    batch_size = arm.train.batch_size
    compile_model(model, arm.train, steps * batch_size)
    # Exactly `steps` batches: the training split in a seeded order, cycled.
    rng = np.random.default_rng(recipe.seed)
    order = np.concatenate(
        [
            rng.permutation(len(splits.x_train))
            for _ in range(-(-steps * batch_size // len(splits.x_train)))
        ]
    )[: steps * batch_size]
    clock = Clock()
    model.fit(
        splits.x_train[order],
        splits.y_train[order],
        batch_size=batch_size,
        epochs=1,
        shuffle=False,
        verbose=0,
        callbacks=[clock],
    )
    timed = clock.steps - 1
    values = model.evaluate(
        splits.x_test, splits.y_test, batch_size=256, verbose=0, return_dict=True
    )
    metric = TASKS[task][3]
    return {
        "steps": clock.steps,
        "batch_size": batch_size,
        "compile_s": round(clock.first_end - clock.begin, 2),
        "steps_per_s": round(timed / (clock.end - clock.first_end), 2) if timed > 0 else "",
        "metric": metric,
        "value": round(float(values[metric]), 4),
        "note": f"stopped at the {cap:.0f} s cap" if clock.steps < steps else "",
    }


def worker(args) -> None:
    """Run in a subprocess with KERAS_BACKEND set: one JSON line per configuration."""
    import keras

    from dlrecipes import data as data_sources

    backend = keras.backend.backend()
    skip = set(args.skip.split(";")) if args.skip else set()
    for task in args.tasks:
        recipe = _task_recipe(task)
        splits = data_sources.load(recipe.data, seed=recipe.seed)
        steps = args.steps or TASKS[task][2]
        for cell in args.cells:
            for jit_compile in JIT_COMPILE:
                if _key(task, cell, jit_compile) in skip:
                    continue
                row = {
                    "backend": backend,
                    "task": task,
                    "cell": cell,
                    "jit_compile": jit_compile,
                    "data": splits.source,
                }
                try:
                    row.update(
                        _measure(task, splits, recipe, cell, jit_compile, steps, args.max_seconds)
                    )
                except Exception as error:  # noqa: BLE001 - a failed configuration is a result
                    row["note"] = f"{type(error).__name__}: {error}"[:200]
                print("RESULT " + json.dumps(row), flush=True)


# --------------------------------------------------------------------------- parent side


def _key(task: str, cell: str, jit_compile) -> str:
    return f"{task}/{cell}/{jit_compile}"


def _spawn(worker_args: list[str], backend: str, configurations: list, timeout: float):
    """Run the worker; if it crashes, record the crash and go on with the rest.

    ``configurations`` is the worker's order of ``(task, cell, jit_compile)``. A
    native crash (e.g. a segfault in a backend) takes the process with it: the
    configuration it was measuring gets a row saying so, and a fresh worker
    measures the remaining ones.
    """
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONFAULTHANDLER": "1",  # a native crash prints the Python stack
    }
    rows: list[dict] = []
    while True:
        done = [_key(r["task"], r["cell"], r["jit_compile"]) for r in rows]
        command = [sys.executable, str(Path(__file__).resolve()), *worker_args]
        if done:
            command += ["--skip", ";".join(done)]
        process = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        rows += [
            json.loads(line[len("RESULT ") :])
            for line in process.stdout.splitlines()
            if line.startswith("RESULT ")
        ]
        if process.returncode == 0:
            return rows
        done = {_key(r["task"], r["cell"], r["jit_compile"]) for r in rows}
        remaining = [c for c in configurations if _key(*c) not in done]
        tail = [line for line in process.stderr.strip().splitlines() if "I0000" not in line][-12:]
        print(f"  [{backend}] worker exited with {process.returncode}: " + " | ".join(tail))
        if not remaining:
            return rows
        task, cell, jit_compile = remaining[0]
        rows.append(
            {
                "backend": backend,
                "task": task,
                "cell": cell,
                "jit_compile": jit_compile,
                "note": f"worker crashed (exit {process.returncode}); rerun this configuration",
            }
        )


def _table(rows: list[dict]) -> str:
    fields = [f for f in FIELDS if f != "data"]
    widths = {f: max(len(f), *(len(str(r.get(f, ""))) for r in rows)) for f in fields}
    lines = ["  ".join(f.ljust(widths[f]) for f in fields)]
    lines.append("  ".join("-" * widths[f] for f in fields))
    for row in rows:
        lines.append("  ".join(str(row.get(f, "")).ljust(widths[f]) for f in fields))
    return "\n".join(lines)


def _context() -> dict:
    import platform

    return {
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def _split(text: str, allowed: tuple[str, ...], parser, flag: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown or not values:
        parser.error(f"{flag} must be among {', '.join(allowed)}. Received: {text!r}")
    return values


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated")
    parser.add_argument("--tasks", default=",".join(TASKS), help="comma-separated")
    parser.add_argument("--cells", default=",".join(CELLS), help="comma-separated")
    parser.add_argument(
        "--steps", type=int, default=0, help="training steps per configuration (0 = per task)"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="cap on one configuration's training"
    )
    parser.add_argument("--quick", action="store_true", help="20 steps each (a run check)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.tasks = _split(args.tasks, tuple(TASKS), parser, "--tasks")
    args.cells = _split(args.cells, CELLS, parser, "--cells")
    backends = _split(args.backends, BACKENDS, parser, "--backends")
    if args.quick:
        args.steps = 20
    if args.worker:
        worker(args)
        return 0

    context = _context()
    rows = []
    for backend in backends:
        print(f"[{backend}] {', '.join(args.tasks)} x {', '.join(args.cells)} ...", flush=True)
        started = time.perf_counter()
        worker_args = [
            "--worker",
            "--tasks",
            ",".join(args.tasks),
            "--cells",
            ",".join(args.cells),
            "--steps",
            str(args.steps),
            "--max-seconds",
            str(args.max_seconds),
        ]
        configurations = [
            (task, cell, jit_compile)
            for task in args.tasks
            for cell in args.cells
            for jit_compile in JIT_COMPILE
        ]
        rows += _spawn(worker_args, backend, configurations, timeout=7200)
        print(f"[{backend}] done in {time.perf_counter() - started:.0f} s", flush=True)
    if not rows:
        print("no results")
        return 1
    print(_table(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "rnn.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=(*FIELDS, *context))
        writer.writeheader()
        for row in rows:
            writer.writerow({**{f: row.get(f, "") for f in FIELDS}, **context})
    print(f"wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
