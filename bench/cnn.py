"""Benchmark the CNN lecture: training throughput of LeNet-5 and the convnet, and the recipes.

Throughput (the default): for the faithful LeNet-5 (32x32 input, RBF output,
MAP loss) and the small Keras convnet (28x28 input, softmax), steady-state
training images per second with XLA on / off and ``steps_per_execution`` 1 / 32,
under TensorFlow and JAX. Each backend runs in its own subprocess with
``KERAS_BACKEND`` set (Keras fixes its backend at import). Inputs are random
arrays of the right shape: the speed of a training step does not depend on the
pixel values. The models are the builders' own, without the runner's
augmentation / standardisation wrapper (note: ``RandomRotation`` is not
XLA-compatible, so a recipe with ``data.augment_rotation > 0`` trains without XLA).

Steady state: a warm-up ``fit`` pays for tracing and compilation; the timed
``fit`` then runs about ``--seconds`` of training, and the clock starts after its
first execution (one call of the compiled function: 1 or 32 steps)::

    images/s = (steps run after the first execution) * batch_size / elapsed seconds

``--recipes`` additionally runs the full CNN recipes on digits and on mnist-8k
(minutes each) and records test accuracy and wall time.

Usage::

    python bench/cnn.py                          # throughput table -> bench/results/cnn.csv
    python bench/cnn.py --backends tensorflow --models lenet5 --seconds 2
    python bench/cnn.py --recipes                # also bench/results/cnn_recipes.csv

Timings on a shared machine are noisy: the table records the load average.
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
JIT_COMPILE = (True, False)
#: Bounds of the number of timed steps per configuration (``--seconds`` picks within them).
MIN_TIMED_STEPS, MAX_TIMED_STEPS = 64, 4096
STEPS_PER_EXECUTION = (1, 32)

#: What is benchmarked: builder, options, input shape, loss, metric, batch size (the recipes').
MODELS = {
    "lenet5": {
        "builder": "lenet5",
        "options": {"faithful": True},
        "input_shape": (32, 32, 1),
        "loss": "rbf_map",
        "metrics": ("rbf_accuracy",),
        "batch_size": 32,
    },
    "convnet": {
        "builder": "convnet",
        "options": {},
        "input_shape": (28, 28, 1),
        "loss": "sparse_categorical_crossentropy",
        "metrics": ("accuracy",),
        "batch_size": 64,
    },
}

#: (recipe, profile) pairs run by --recipes; profile None is the default (digits).
RECIPE_RUNS = tuple(
    (name, profile)
    for name in ("lenet5", "lenet5_modern", "convnet", "resnet_small")
    for profile in (None, "mnist8k")
)

THROUGHPUT_FIELDS = (
    "backend",
    "model",
    "jit_compile",
    "steps_per_execution",
    "batch_size",
    "images_per_s",
    "ms_per_step",
    "timed_steps",
    "note",
)
RECIPE_FIELDS = (
    "recipe",
    "profile",
    "data",
    "accuracy",
    "threshold",
    "reached",
    "epochs",
    "wall_time_s",
    "fit_time_s",
    "backend",
    "jit_compile",
)


# --------------------------------------------------------------------------- worker side


def _measure(spec: dict, jit_compile: bool, steps_per_execution: int, seconds: float) -> dict:
    """Steady-state training throughput of one model in one configuration (this backend)."""
    import keras
    import numpy as np

    from dlrecipes import models
    from dlrecipes.recipe import TrainSpec
    from dlrecipes.training import compile_model

    class Clock(keras.callbacks.Callback):
        """Starts after the first execution; counts the steps run after it."""

        def __init__(self):
            super().__init__()
            self.start = None
            self.first_steps = 0
            self.last_steps = 0

        def on_train_batch_end(self, batch, logs=None):
            if self.start is None:
                self.start, self.first_steps = time.perf_counter(), batch + 1
            self.last_steps = batch + 1

        def on_train_end(self, logs=None):
            self.end = time.perf_counter()

    keras.utils.set_random_seed(0)
    batch_size = spec["batch_size"]
    model = models.get(spec["builder"])(
        input_shape=spec["input_shape"], num_classes=10, **spec["options"]
    )
    train = TrainSpec(
        batch_size=batch_size,
        loss=spec["loss"],
        metrics=spec["metrics"],
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
        tensorboard=False,
    )
    compile_model(model, train, num_train_examples=batch_size * 64)
    rng = np.random.default_rng(0)

    def data(steps):
        x = rng.uniform(0, 1, (steps * batch_size, *spec["input_shape"])).astype("float32")
        y = rng.integers(0, 10, steps * batch_size).astype("int32")
        return x, y

    # Warm-up: compiles, then estimates the time of one step for the timed run.
    warm_steps = 2 * max(steps_per_execution, 16)  # whole executions: 32 or 64 steps
    clock = Clock()
    model.fit(
        *data(warm_steps),
        batch_size=batch_size,
        epochs=1,
        verbose=0,
        shuffle=False,
        callbacks=[clock],
    )
    per_step = (clock.end - clock.start) / max(1, clock.last_steps - clock.first_steps)
    steps = int(min(MAX_TIMED_STEPS, max(MIN_TIMED_STEPS, seconds / max(per_step, 1e-6))))
    steps = (-(-steps // steps_per_execution) + 1) * steps_per_execution  # + the untimed first
    clock = Clock()
    model.fit(
        *data(steps), batch_size=batch_size, epochs=1, verbose=0, shuffle=False, callbacks=[clock]
    )
    timed_steps = clock.last_steps - clock.first_steps
    elapsed = clock.end - clock.start
    supports_jit = all(layer.supports_jit for layer in model._flatten_layers())
    return {
        "images_per_s": round(timed_steps * batch_size / elapsed, 1),
        "ms_per_step": round(1000 * elapsed / timed_steps, 3),
        "timed_steps": timed_steps,
        "note": "" if supports_jit or not jit_compile else "model does not support XLA",
    }


def worker_throughput(args) -> None:
    """Run in a subprocess with KERAS_BACKEND set: one JSON line per configuration."""
    import keras

    backend = keras.backend.backend()
    for name in args.models:
        spec = MODELS[name]
        for jit_compile in JIT_COMPILE:
            for steps_per_execution in STEPS_PER_EXECUTION:
                row = {
                    "backend": backend,
                    "model": name,
                    "jit_compile": jit_compile,
                    "steps_per_execution": steps_per_execution,
                    "batch_size": spec["batch_size"],
                }
                try:
                    row.update(_measure(spec, jit_compile, steps_per_execution, args.seconds))
                except Exception as error:  # noqa: BLE001 - a failed configuration is a result
                    row.update(
                        images_per_s="",
                        ms_per_step="",
                        timed_steps="",
                        note=f"{type(error).__name__}: {error}"[:200],
                    )
                print("RESULT " + json.dumps(row), flush=True)


def worker_recipe(args) -> None:
    """Run one recipe (full profile) in a subprocess and print its metrics as a JSON line."""
    import dlrecipes

    result = dlrecipes.run(
        args.recipe_name, profile=args.recipe_profile or None, out=args.out, verbose=2
    )
    m = result.metrics
    row = {
        "recipe": args.recipe_name,
        "profile": args.recipe_profile or "default",
        "data": m["data"]["source"],
        "accuracy": round(m["test"]["accuracy"], 4),
        "threshold": m["expect"]["threshold"],
        "reached": m["expect"]["reached"],
        "epochs": m["epochs_run"],
        "wall_time_s": round(m["wall_time_s"], 1),
        "fit_time_s": round(m["fit_time_s"], 1),
        "backend": m["backend"],
        "jit_compile": m["jit_compile"],
    }
    print("RESULT " + json.dumps(row), flush=True)


# --------------------------------------------------------------------------- parent side


def _spawn(worker_args: list[str], backend: str, timeout: float) -> list[dict]:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, str(Path(__file__).resolve()), *worker_args]
    process = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    rows = [
        json.loads(line[len("RESULT ") :])
        for line in process.stdout.splitlines()
        if line.startswith("RESULT ")
    ]
    if process.returncode != 0:
        tail = process.stderr.strip().splitlines()[-5:]
        print(f"  [{backend}] worker exited with {process.returncode}: " + " | ".join(tail))
    return rows


def _table(rows: list[dict], fields: tuple[str, ...]) -> str:
    widths = {f: max(len(f), *(len(str(r.get(f, ""))) for r in rows)) for f in fields}
    lines = ["  ".join(f.ljust(widths[f]) for f in fields)]
    lines.append("  ".join("-" * widths[f] for f in fields))
    for row in rows:
        lines.append("  ".join(str(row.get(f, "")).ljust(widths[f]) for f in fields))
    return "\n".join(lines)


def _write_csv(path: Path, rows: list[dict], fields: tuple[str, ...], context: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=(*fields, *context))
        writer.writeheader()
        for row in rows:
            writer.writerow({**{f: row.get(f, "") for f in fields}, **context})


def _context() -> dict:
    import platform

    return {
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated")
    parser.add_argument(
        "--seconds", type=float, default=4.0, help="timed seconds per configuration"
    )
    parser.add_argument(
        "--recipes", action="store_true", help="also run the full CNN recipes (long)"
    )
    parser.add_argument("--no-throughput", action="store_true", help="only the recipes")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument("--worker", choices=("throughput", "recipe"), help=argparse.SUPPRESS)
    parser.add_argument("--recipe-name", help=argparse.SUPPRESS)
    parser.add_argument("--recipe-profile", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"--models must be among {', '.join(MODELS)}. Received: {unknown}")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if any(b not in BACKENDS for b in backends):
        parser.error(f"--backends must be among {', '.join(BACKENDS)}. Received: {backends}")

    if args.worker == "throughput":
        worker_throughput(args)
        return 0
    if args.worker == "recipe":
        worker_recipe(args)
        return 0

    if not args.no_throughput:
        context = _context()
        rows = []
        for backend in backends:
            print(f"[{backend}] measuring {', '.join(args.models)} ...", flush=True)
            started = time.perf_counter()
            rows += _spawn(
                [
                    "--worker",
                    "throughput",
                    "--models",
                    ",".join(args.models),
                    "--seconds",
                    str(args.seconds),
                ],
                backend,
                timeout=3600,
            )
            print(f"[{backend}] done in {time.perf_counter() - started:.0f} s", flush=True)
        print(_table(rows, THROUGHPUT_FIELDS))
        _write_csv(args.out / "cnn.csv", rows, THROUGHPUT_FIELDS, context)
        print(
            f"wrote {args.out / 'cnn.csv'} (load average at start {context['load_average_1min']})"
        )

    if args.recipes:
        context = _context()
        rows = []
        runs_dir = Path("/tmp") / "dlrecipes-bench-runs"
        for name, profile in RECIPE_RUNS:
            print(f"[recipe] {name} {profile or 'default'} ...", flush=True)
            rows += _spawn(
                [
                    "--worker",
                    "recipe",
                    "--recipe-name",
                    name,
                    "--recipe-profile",
                    profile or "",
                    "--out",
                    str(runs_dir),
                ],
                os.environ.get("KERAS_BACKEND", "tensorflow"),
                timeout=3600,
            )
        print(_table(rows, RECIPE_FIELDS))
        _write_csv(args.out / "cnn_recipes.csv", rows, RECIPE_FIELDS, context)
        print(f"wrote {args.out / 'cnn_recipes.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
