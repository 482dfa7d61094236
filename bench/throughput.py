"""Training throughput: each recipe model the project's way vs plain Keras (TF, TF+XLA, JAX)
and plain PyTorch, side by side, repeated, median.

Every measurement is a fresh subprocess of this script (one process group; the backend
and XLA are per process), and the configurations are interleaved within each repeat so
that the machine's load drifts over all of them alike. Each worker trains its model on
random MNIST-shaped data for ``--epochs`` epochs of ``--steps`` steps and reports the
steady-state images/s (the epochs after the first, i.e. after tracing and compiling);
the parent measures the worker's end-to-end wall time (imports, build, compile, fit).
Each measurement is also appended to ``OUT.raw.csv`` as it arrives.
``% peak`` divides the training FLOPs (6 x multiply-adds per image: forward, input
gradient, weight gradient) by the float32 matmul rate NumPy reaches on this machine.

Models (the issue's table): ``mlp`` 784-300-100-10 b128, ``convnet`` keras-io b64,
``lstm`` LSTM(128) row-MNIST b64, ``lenet5_dense`` LeNet-5 with a dense C3 b32 and
``lenet5_faithful`` the paper's LeNet-5 b32 (only ours exists).

Configurations: ``ours`` (the builder, ``compile_model`` and ``fit`` of dlrecipes with
``train.jit_compile`` and ``steps_per_execution`` on ``auto``, under TensorFlow),
``ours_jax`` (the same under ``KERAS_BACKEND=jax``), ``keras_tf`` / ``keras_tf_xla``
(a plain Keras script with stock layers, XLA off / on), ``keras_jax`` and ``torch``
(plain PyTorch eager, when installed: ``pip install -e ".[bench]"``); ``ours_before``
runs ``ours`` with the dlrecipes package of another checkout (``--before PATH``, e.g. a
``git worktree`` of the commit before a change) and the XLA setting the recipes had then.

Usage::

    python bench/throughput.py                       # all models, 3 repeats
    python bench/throughput.py --models mlp,convnet --repeats 5 --configs ours,keras_tf
    python bench/throughput.py --out bench/results/throughput_cpu.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: model -> (batch size, input shape, forward multiply-adds per image)
MODELS = {
    "mlp": (128, (784,), 784 * 300 + 300 * 100 + 100 * 10),
    "convnet": (64, (28, 28, 1), 26 * 26 * 9 * 32 + 11 * 11 * 9 * 32 * 64 + 1600 * 10),
    "lstm": (64, (28, 28), 28 * 4 * (28 + 128) * 128 + 128 * 10),
    "lenet5_dense": (32, (32, 32, 1), 28 * 28 * 25 * 6 + 100 * 25 * 6 * 16 + 25 * 16 * 120 + 10920),
    "lenet5_faithful": (32, (32, 32, 1), 28 * 28 * 25 * 6 + 100 * 25 * 60 + 25 * 16 * 120 + 10920),
}
CONFIGS = ("ours", "ours_before", "ours_jax", "keras_tf", "keras_tf_xla", "keras_jax", "torch")
#: the XLA setting each model's recipe forced before compile paths were chosen (``ours_before``)
RECIPE_JIT_BEFORE = {"mlp": True, "lstm": True}
#: plain scripts that do not exist for a model (the faithful LeNet-5 is ours only)
ONLY_OURS = {"lenet5_faithful"}


# ----------------------------------------------------------------------------- workers


def _data(model_name: str, steps: int):
    import numpy as np

    batch, shape, _ = MODELS[model_name]
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(steps * batch, *shape)).astype("float32")
    y = rng.integers(0, 10, size=steps * batch).astype("int32")
    return x, y


def _plain_keras_model(name: str):
    """The model written as a plain Keras script would write it (stock layers)."""
    import keras
    from keras import layers

    if name == "mlp":
        hidden = [layers.Dense(300, activation="relu"), layers.Dense(100, activation="relu")]
        return keras.Sequential([keras.Input((784,)), *hidden, layers.Dense(10, "softmax")])
    if name == "convnet":
        return keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                layers.Conv2D(32, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dropout(0.5),
                layers.Dense(10, activation="softmax"),
            ]
        )
    if name == "lstm":
        return keras.Sequential(
            [keras.Input((28, 28)), layers.LSTM(128), layers.Dense(10, activation="softmax")]
        )
    if name == "lenet5_dense":
        return keras.Sequential(
            [
                keras.Input((32, 32, 1)),
                layers.Conv2D(6, 5, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(16, 5, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(120, 5, activation="relu"),
                layers.Flatten(),
                layers.Dense(84, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ]
        )
    raise ValueError(f"no plain Keras script for model {name!r}")


def _our_recipe_parts(name: str):
    """(model, TrainSpec) built the project's way."""
    from dlrecipes.models.cnn import convnet, lenet5
    from dlrecipes.models.mlp import mlp
    from dlrecipes.models.rnn import sequence_classifier
    from dlrecipes.spec import TrainSpec

    batch = MODELS[name][0]
    if name == "mlp":
        model = mlp(input_shape=(784,), hidden_units=(300, 100), num_classes=10)
    elif name == "convnet":
        model = convnet()
    elif name == "lstm":
        model = sequence_classifier(input_shape=(28, 28), cell="lstm", units=128, num_classes=10)
    elif name in ("lenet5_dense", "lenet5_faithful"):
        model = lenet5(input_shape=(32, 32, 1), faithful=name == "lenet5_faithful")
    else:
        raise ValueError(f"unknown model {name!r}")
    faithful = name == "lenet5_faithful"
    train = TrainSpec(
        batch_size=batch,
        loss="rbf_map" if faithful else "sparse_categorical_crossentropy",
        metrics=("rbf_accuracy",) if faithful else ("accuracy",),
        tensorboard=False,
        verbose="0",
    )
    return model, train


def _run_ours(name: str, steps: int, epochs: int, before: bool = False) -> dict:
    import dataclasses

    from dlrecipes.data.splits import Splits
    from dlrecipes.training.fit import compile_model, fit

    x, y = _data(name, steps)
    model, train = _our_recipe_parts(name)
    train = dataclasses.replace(train, epochs=epochs)
    if before:
        train = dataclasses.replace(train, jit_compile=RECIPE_JIT_BEFORE.get(name, False))
    compile_model(model, train, len(x))
    splits = Splits(
        x_train=x, y_train=y, x_val=x[:0], y_val=y[:0], x_test=x[:0], y_test=y[:0],
        input_shape=tuple(x.shape[1:]), task="classification", num_classes=10,
        num_outputs=0, class_names=tuple(str(i) for i in range(10)), source="random",
    )  # fmt: skip
    result = fit(model, splits, train, verbose=0)
    return {
        "images_per_s": result.steps_per_second * train.batch_size,
        "jit_compile": bool(model.jit_compile),
        "steps_per_execution": int(getattr(model, "steps_per_execution", 1) or 1),
    }


def _run_plain_keras(name: str, steps: int, epochs: int, xla: bool) -> dict:
    import keras

    x, y = _data(name, steps)
    model = _plain_keras_model(name)
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=xla,
    )
    marks = []
    timer = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: marks.append(time.time()))
    batch = MODELS[name][0]
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, callbacks=[timer])
    steady = (epochs - 1) * steps / (marks[-1] - marks[0])
    return {"images_per_s": steady * batch, "jit_compile": bool(model.jit_compile)}


def _torch_model(name: str):
    from torch import nn

    if name == "mlp":
        layers = [nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(100, 10))
    if name == "convnet":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
        )  # fmt: skip
    if name == "lenet5_dense":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(),
            nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )  # fmt: skip
    if name == "lstm":

        class RowLSTM(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm, self.out = nn.LSTM(28, 128, batch_first=True), nn.Linear(128, 10)

            def forward(self, x):
                _, (h, _) = self.lstm(x)
                return self.out(h[-1])

        return RowLSTM()
    raise ValueError(f"no PyTorch script for model {name!r}")


def _run_torch(name: str, steps: int, epochs: int) -> dict:
    import torch

    torch.manual_seed(0)
    x, y = _data(name, steps)
    if x.ndim == 4:
        x = x.transpose(0, 3, 1, 2).copy()  # NCHW
    x, y = torch.from_numpy(x), torch.from_numpy(y).long()
    model = _torch_model(name)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = MODELS[name][0]
    marks = []
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for step in range(steps):
            index = order[step * batch : (step + 1) * batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
        marks.append(time.time())
    steady = (epochs - 1) * steps / (marks[-1] - marks[0])
    return {"images_per_s": steady * batch, "jit_compile": False}


def worker(config: str, name: str, steps: int, epochs: int) -> dict:
    if config != "torch":
        import keras

        keras.utils.set_random_seed(0)
    if config.startswith("ours"):
        return _run_ours(name, steps, epochs, before=config == "ours_before")
    if config == "torch":
        return _run_torch(name, steps, epochs)
    return _run_plain_keras(name, steps, epochs, xla=config == "keras_tf_xla")


# ----------------------------------------------------------------------------- parent


def matmul_peak_gflops(size: int = 1024, repeats: int = 7) -> float:
    """Median float32 GFLOP/s of an n x n NumPy matmul (the '% of peak' reference)."""
    import numpy as np

    a = np.random.default_rng(0).standard_normal((size, size)).astype("float32")
    a @ a
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ a
        rates.append(2 * size**3 / (time.perf_counter() - start) / 1e9)
    return statistics.median(rates)


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def measure(
    config: str, name: str, steps: int, epochs: int, timeout: float, before: str = ""
) -> dict | None:
    """One worker subprocess: its JSON line and its end-to-end wall time."""
    path = before if config == "ours_before" else str(ROOT)
    env = {**os.environ, "PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["KERAS_BACKEND"] = "jax" if config in ("ours_jax", "keras_jax") else "tensorflow"
    command = [sys.executable, __file__, "--worker", config, name, str(steps), str(epochs)]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        print(f"  {config} {name}: timed out after {timeout:.0f} s", flush=True)
        return None
    wall = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        print(f"  {config} {name}: failed: {' | '.join(tail)}", flush=True)
        return None
    return {**json.loads(lines[-1]), "wall_s": wall}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40, help="optimizer steps per epoch")
    parser.add_argument("--epochs", type=int, default=3, help="the first one is not timed")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per worker")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "throughput.csv"))
    parser.add_argument("--before", default="", help="checkout whose dlrecipes ours_before runs")
    parser.add_argument("--worker", nargs=4, metavar=("CONFIG", "MODEL", "STEPS", "EPOCHS"))
    args = parser.parse_args(argv)
    if args.worker:
        config, name, steps, epochs = args.worker
        print(json.dumps(worker(config, name, int(steps), int(epochs))), flush=True)
        return 0
    models = [m for m in args.models.split(",") if m]
    configs = [c for c in args.configs.split(",") if c]
    for value, known, what in ((models, MODELS, "model"), (configs, CONFIGS, "config")):
        unknown = [v for v in value if v not in known]
        if unknown:
            parser.error(f"unknown {what} {unknown[0]!r}; expected one of {', '.join(known)}")
    if "ours_before" in configs and not args.before:
        print("no --before checkout given: skipping ours_before", flush=True)
        configs = [c for c in configs if c != "ours_before"]
    if "torch" in configs and not torch_available():
        print("PyTorch is not installed (pip install -e '.[bench]'): skipping torch", flush=True)
        configs = [c for c in configs if c != "torch"]
    peak = matmul_peak_gflops()
    print(f"float32 matmul peak (NumPy 1024^2, median): {peak:.1f} GFLOP/s", flush=True)
    pairs = [(c, m) for m in models for c in configs if c.startswith("ours") or m not in ONLY_OURS]
    results: dict[tuple[str, str], list[dict]] = {pair: [] for pair in pairs}
    raw_path = Path(args.out).with_suffix(".raw.csv")
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    raw = raw_path.open("w", newline="")
    raw_writer = csv.writer(raw)
    raw_writer.writerow(["repeat", "model", "config", "images_per_s", "wall_s", "jit_compile"])
    for repeat in range(args.repeats):
        print(f"repeat {repeat + 1}/{args.repeats}", flush=True)
        for config, name in pairs:  # interleaved: the load drifts over every pair alike
            measured = measure(config, name, args.steps, args.epochs, args.timeout, args.before)
            if measured is not None:
                results[(config, name)].append(measured)
                raw_writer.writerow(
                    [repeat, name, config, round(measured["images_per_s"], 1),
                     round(measured["wall_s"], 2), measured.get("jit_compile")]
                )  # fmt: skip
                raw.flush()  # every measurement is kept even if the run is stopped
                print(
                    f"  {name:16s} {config:13s} {measured['images_per_s']:9.0f} img/s "
                    f"wall {measured['wall_s']:6.1f} s",
                    flush=True,
                )
    rows = []
    for (config, name), runs in results.items():
        if not runs:
            continue
        images = statistics.median(r["images_per_s"] for r in runs)
        flops = 6 * MODELS[name][2] * images
        rows.append(
            {
                "model": name,
                "config": config,
                "batch": MODELS[name][0],
                "images_per_s": round(images, 1),
                "images_per_s_min": round(min(r["images_per_s"] for r in runs), 1),
                "images_per_s_max": round(max(r["images_per_s"] for r in runs), 1),
                "wall_s": round(statistics.median(r["wall_s"] for r in runs), 2),
                "percent_of_peak": round(100 * flops / (peak * 1e9), 2),
                "jit_compile": runs[-1].get("jit_compile"),
                "steps_per_execution": runs[-1].get("steps_per_execution", 1),
                "repeats": len(runs),
                "matmul_peak_gflops": round(peak, 1),
            }
        )
    raw.close()
    _print_table(rows)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["model"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out}")
    return 0


def _print_table(rows: list[dict]) -> None:
    """Per model: each configuration's median images/s, wall and ours / best-peer ratio."""
    by_model: dict[str, dict[str, dict]] = {}
    for row in rows:
        by_model.setdefault(row["model"], {})[row["config"]] = row
    print(f"\n{'model':16s} {'config':13s} {'img/s':>9s} {'wall s':>7s} {'% peak':>7s} ratio")
    for name, configs in by_model.items():
        peers = {c: r for c, r in configs.items() if not c.startswith("ours")}
        best = max((r["images_per_s"] for r in peers.values()), default=None)
        for config, row in configs.items():
            ratio = f"{row['images_per_s'] / best:.2f}x best peer" if best else ""
            print(
                f"{name:16s} {config:13s} {row['images_per_s']:9.0f} {row['wall_s']:7.1f} "
                f"{row['percent_of_peak']:7.2f} {ratio if config.startswith('ours') else ''}"
            )


if __name__ == "__main__":
    sys.exit(main())
