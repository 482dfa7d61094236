"""End-to-end wall time of a short recipe against the plain scripts a user would write.

``ours`` is the command a user types, ``python -m recipes run mlp --seed 0 --quiet``
(run directory, model.keras, history, plots, report, TensorBoard events included).
``keras_tf`` is the same training as a plain Keras script: scikit-learn's digits scaled
to [0, 1], the same 1,293 / 144 / 360 split sizes, Dense(256) -> Dropout(0.2) ->
Dense(128) -> Dropout(0.2) -> Dense(10), Adam 1e-3, batch 32, at most 40 epochs with
early stopping on the validation loss (patience 8, best weights restored), then
``evaluate`` on the test split and ``model.save``. ``torch`` is the same in plain
PyTorch eager (when the bench extra is installed: ``pip install -e ".[bench]"``).

Every measurement is a fresh process (imports included: on this machine importing
TensorFlow alone takes 6-7 s), the configurations are interleaved within each repeat,
and the table gives the median wall time, its min and max, and the test accuracy.

Usage::

    python bench/end_to_end.py                      # 5 repeats, ours / keras_tf / torch
    python bench/end_to_end.py --repeats 3 --out bench/results/end_to_end_cpu.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ("ours", "keras_tf", "torch")
EPOCHS, BATCH, PATIENCE, LEARNING_RATE = 40, 32, 8, 1e-3


def _digits_splits():
    """Digits scaled to [0, 1], split 1,293 / 144 / 360 like the recipe's sizes."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=360, random_state=0)
    x_train, x_val, y_train, y_val = train_test_split(x_rest, y_rest, test_size=144, random_state=0)
    return x_train, y_train, x_val, y_val, x_test, y_test


def _plain_keras(out: Path) -> float:
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    x_train, y_train, x_val, y_val, x_test, y_test = _digits_splits()
    model = keras.Sequential(
        [
            keras.Input((64,)),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    stop = keras.callbacks.EarlyStopping(patience=PATIENCE, restore_best_weights=True)
    model.fit(
        x_train, y_train, validation_data=(x_val, y_val), epochs=EPOCHS, batch_size=BATCH,
        callbacks=[stop], verbose=0,
    )  # fmt: skip
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    model.save(out / "model.keras")
    return float(accuracy)


def _plain_torch(out: Path) -> float:
    import copy

    import torch
    from torch import nn

    torch.manual_seed(0)
    x_train, y_train, x_val, y_val, x_test, y_test = (
        torch.from_numpy(a) if a.dtype.kind == "f" else torch.from_numpy(a).long()
        for a in _digits_splits()
    )
    model = nn.Sequential(
        nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10),
    )  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    best, best_state, waited = float("inf"), None, 0
    for _ in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x_train))
        for start in range(0, len(x_train), BATCH):
            index = order[start : start + BATCH]
            optimizer.zero_grad()
            loss_fn(model(x_train[index]), y_train[index]).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = float(loss_fn(model(x_val), y_val))
        if val_loss < best:
            best, best_state, waited = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= PATIENCE:
                break
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        accuracy = float((model(x_test).argmax(1) == y_test).float().mean())
    torch.save(model.state_dict(), out / "model.pt")
    return accuracy


def _ours_accuracy(out: Path) -> float:
    (metrics,) = out.glob("mlp/*/metrics.json")
    return float(json.loads(metrics.read_text())["test"]["accuracy"])


def measure(config: str, timeout: float) -> dict:
    """Wall seconds of one fresh process running ``config``, and its test accuracy."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if config == "ours":
            command = [sys.executable, "-m", "recipes", "run", "mlp", "--seed", "0", "--quiet"]
            command += ["--out", str(out)]
        else:
            command = [sys.executable, __file__, "--worker", config, str(out)]
        started = time.perf_counter()
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return {"config": config, "error": " | ".join(tail)}
        if config == "ours":
            accuracy = _ours_accuracy(out)
        else:
            accuracy = json.loads(done.stdout.strip().splitlines()[-1])["test_accuracy"]
        return {"config": config, "wall_s": wall, "test_accuracy": accuracy}


def _torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per process")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "end_to_end.csv"))
    parser.add_argument("--worker", nargs=2, metavar=("CONFIG", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        config, out = args.worker
        run = {"keras_tf": _plain_keras, "torch": _plain_torch}[config]
        print(json.dumps({"test_accuracy": run(Path(out))}))
        return 0
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = sorted(set(configs) - set(CONFIGS))
    if unknown or args.repeats < 1:
        print(f"error: configs {unknown} / repeats {args.repeats}; expected some of "
              f"{', '.join(CONFIGS)} and repeats >= 1", file=sys.stderr)  # fmt: skip
        return 2
    if "torch" in configs and not _torch_available():
        print("torch is not installed (pip install -e '.[bench]'): skipping it")
        configs.remove("torch")
    walls: dict[str, list[float]] = {c: [] for c in configs}
    accuracy: dict[str, list[float]] = {c: [] for c in configs}
    for repeat in range(args.repeats):
        print(f"repeat {repeat + 1}/{args.repeats}", flush=True)
        for config in configs:
            result = measure(config, args.timeout)
            if "error" in result:
                print(f"  {config:10s} failed: {result['error']}", flush=True)
                continue
            walls[config].append(result["wall_s"])
            accuracy[config].append(result["test_accuracy"])
            print(f"  {config:10s} {result['wall_s']:6.1f} s  test accuracy "
                  f"{result['test_accuracy']:.4f}", flush=True)  # fmt: skip
    rows = []
    reference = statistics.median(walls["keras_tf"]) if walls.get("keras_tf") else None
    for config in configs:
        if not walls[config]:
            continue
        median = statistics.median(walls[config])
        rows.append(
            {
                "recipe": "mlp",
                "config": config,
                "wall_s_median": round(median, 2),
                "wall_s_min": round(min(walls[config]), 2),
                "wall_s_max": round(max(walls[config]), 2),
                "ratio_to_keras_tf": round(median / reference, 3) if reference else "",
                "test_accuracy_median": round(statistics.median(accuracy[config]), 4),
                "repeats": len(walls[config]),
            }
        )
    print(f"\n{'config':10s} {'median s':>9s} {'min':>6s} {'max':>6s} {'/ keras_tf':>10s} "
          f"{'test acc':>8s}")  # fmt: skip
    for row in rows:
        ratio = f"{row['ratio_to_keras_tf']:.2f}x" if row["ratio_to_keras_tf"] != "" else ""
        spread = f"{row['wall_s_min']:6.1f} {row['wall_s_max']:6.1f}"
        print(f"{row['config']:10s} {row['wall_s_median']:9.1f} {spread} {ratio:>10s} "
              f"{row['test_accuracy_median']:8.4f}")  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
