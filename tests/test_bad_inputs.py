"""Every bad input is one clear line: a parametrized suite over every command.

Each case gives the CLI a user's mistake -- a damaged file the test makes itself, a
value out of range, a path that cannot be written -- and checks the contract of
``python -m recipes``: exit status 2, exactly one line on stderr, starting with
``error:`` and naming the value received, no traceback, and nothing on disk that
claims success (no ``metrics.json`` under ``--out``).

Cases run in-process through :func:`dlrecipes.cli.main` (fast: TensorFlow is
imported once); the few that need a fresh interpreter's real stderr (TensorFlow's
native start-up lines, a dependency hidden from the import system, pygame's SDL
messages) run in a subprocess.
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dlrecipes import registry
from dlrecipes.cli import main
from dlrecipes.spec import recipe_to_toml, resolve

REPO_ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- files the cases make


def write_npz(path: Path, **arrays) -> str:
    """``np.savez(path, **arrays)``; returns the source string ``npz:PATH``."""
    np.savez(path, **arrays)
    return f"npz:{path}"


def flat(n: int = 40, d: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, d)).astype("float32")


def labels(n: int = 40, k: int = 2) -> np.ndarray:
    return np.arange(n) % k


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> Path:
    """An IDX file of unsigned bytes (gzipped when ``compress``)."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    payload = header + struct.pack(f">{array.ndim}I", *array.shape)
    payload += array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def mnist_dir(tmp: Path, compress: bool = True, **replace: bytes | np.ndarray) -> str:
    """A tiny MNIST IDX directory (30 train, 10 test digits); ``replace`` swaps a file's
    content (``train_images=...``) for the given bytes or array."""
    directory = tmp / "mnist"
    directory.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (30, 28, 28)),
        "train_labels": np.arange(30) % 10,
        "t10k_images": rng.integers(0, 256, (10, 28, 28)),
        "t10k_labels": np.arange(10) % 10,
    }
    for key, array in arrays.items():
        stem, kind = key.split("_")
        ndim = 3 if kind == "images" else 1
        path = directory / f"{stem}-{kind}-idx{ndim}-ubyte{'.gz' if compress else ''}"
        value = replace.get(key, array)
        if isinstance(value, bytes):
            path.write_bytes(value)
        else:
            write_idx(path, value, compress)
    return f"mnist_idx:{directory}"


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def damaged_gzip(payload: bytes) -> bytes:
    """A gzip stream whose header is intact and whose deflate data is garbage."""
    stream = bytearray(gzip.compress(payload))
    for i in range(12, min(len(stream) - 8, 60)):
        stream[i] ^= 0xA5
    return bytes(stream)


def truncated_npz(tmp: Path) -> str:
    """An ``.npz`` cut after 300 bytes (a download that stopped)."""
    write_npz(tmp / "full.npz", x=flat(), y=labels())
    (tmp / "d.npz").write_bytes((tmp / "full.npz").read_bytes()[:300])
    return f"npz:{tmp / 'd.npz'}"


def made_dir(path: Path) -> str:
    path.mkdir()
    return str(path)


def without(run_dir: Path, name: str) -> str:
    (run_dir / name).unlink()
    return str(run_dir)


def write_toml(path: Path, text: str | bytes) -> str:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


USER_RECIPE = (
    'summary = "mine"\nlecture = "mine"\n[data]\nsource = "blobs"\n[model]\nbuilder = "mlp"\n'
    '[train]\nepochs = 1\n[profiles.smoke]\n"train.epochs" = 1\n'
)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    """A completed supervised run (softmax_regression's smoke profile)."""
    import dlrecipes

    out = tmp_path_factory.mktemp("trained")
    return dlrecipes.run("softmax_regression", smoke=True, out=out, verbose=0).run_dir


def copy_run(trained: Path, tmp: Path, **files: bytes) -> str:
    """A copy of ``trained`` with some files replaced (``model_keras=b"..."``)."""
    run_dir = tmp / "copied_run"
    shutil.copytree(trained, run_dir)
    for name, content in files.items():
        (run_dir / name.replace("_keras", ".keras").replace("_toml", ".toml")).write_bytes(content)
    return str(run_dir)


def lambda_model_bytes(tmp: Path, input_shape=(8, 8, 1)) -> bytes:
    """A ``.keras`` file holding a Lambda layer: safe mode must refuse it."""
    import keras

    inputs = keras.Input(input_shape)
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(keras.layers.Flatten()(inputs))
    path = tmp / "lambda.keras"
    keras.Model(inputs, outputs).save(path)
    return path.read_bytes()


def bad_weights_archive(model_keras: bytes, tmp: Path) -> bytes:
    """A valid zip (CRCs fine) whose weights member is not HDF5."""
    source, target = tmp / "src.keras", tmp / "bad.keras"
    source.write_bytes(model_keras)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, b"not hdf5" if name.endswith(".h5") else zin.read(name))
    return target.read_bytes()


def rl_run(tmp: Path, recipe_name: str, **best: bytes) -> str:
    """A hand-made RL run directory: the smoke recipe's recipe.toml and ``best/`` files."""
    run_dir = tmp / "rl_run"
    (run_dir / "best").mkdir(parents=True)
    recipe = resolve(registry.get(recipe_name), profile="smoke")
    (run_dir / "recipe.toml").write_text(recipe_to_toml(recipe))
    for name, content in best.items():
        (run_dir / "best" / name.replace("_keras", ".keras").replace("_npy", ".npy")).write_bytes(
            content
        )
    return str(run_dir)


def npy_bytes(array: np.ndarray, tmp: Path) -> bytes:
    path = tmp / "table.npy"
    np.save(path, array)
    return path.read_bytes()


def supervised_run_dir(tmp: Path) -> str:
    run_dir = tmp / "sup_run"
    run_dir.mkdir()
    recipe = resolve(registry.get("mlp"), profile="smoke")
    (run_dir / "recipe.toml").write_text(recipe_to_toml(recipe))
    return str(run_dir)


# --------------------------------------------------------------------------- the cases

# Each case: (id, build(tmp, ctx) -> argv, text the error line must contain).
# ``ctx`` gives lazily the fixtures a case needs (``ctx.trained``). Argument lists get
# ``--out OUT`` appended for the commands that take one (``OUT`` is checked afterwards).
Q = "q_learning_frozenlake"


def run(*args):
    return ["run", "mlp", "--smoke", "--quiet", *args]


def run_source(source: str, *args, recipe: str = "mlp"):
    return ["run", recipe, "--smoke", "--quiet", "--set", f"data.source={source}", *args]


CASES = [
    # ---- npz files with bad contents: checked as they are read (class: data contents)
    (
        "npz-negative-labels",
        lambda t, c: run_source(write_npz(t / "d.npz", x=flat(), y=labels() - 1)),
        "holds the class label -1",
    ),
    (
        "npz-empty-arrays",
        lambda t, c: run_source(write_npz(t / "d.npz", x=np.zeros((0, 4)), y=np.zeros(0, int))),
        "x has shape (0, 4); expected at least one example",
    ),
    (
        "npz-empty-test-split",
        lambda t, c: run_source(
            write_npz(
                t / "d.npz",
                x_train=flat(),
                y_train=labels(),
                x_test=np.zeros((0, 4)),
                y_test=np.zeros(0, int),
            )
        ),
        "x_test has shape (0, 4)",
    ),
    (
        "npz-strings",
        lambda t, c: run_source(write_npz(t / "d.npz", x=np.array([["a"] * 4] * 40), y=labels())),
        "x holds strings (dtype <U1)",
    ),
    (
        "npz-objects",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=np.array([object()] * 40, dtype=object), y=labels())
        ),
        "Object arrays cannot be loaded when allow_pickle=False",
    ),
    (
        "npz-complex",
        lambda t, c: run_source(write_npz(t / "d.npz", x=flat() * 1j, y=labels())),
        "x holds complex numbers",
    ),
    (
        "npz-test-split-of-another-shape",
        lambda t, c: run_source(
            write_npz(
                t / "d.npz",
                x_train=flat(),
                y_train=labels(),
                x_test=flat(10, 5),
                y_test=labels(10),
            )
        ),
        "x_test has examples of shape (5,); expected the shape of the training examples, (4,)",
    ),
    (
        "npz-inputs-and-labels-differ-in-length",
        lambda t, c: run_source(write_npz(t / "d.npz", x=flat(40), y=labels(30))),
        "x has 40 examples but y has shape (30,)",
    ),
    (
        "npz-test-labels-differ-in-length",
        lambda t, c: run_source(
            write_npz(
                t / "d.npz", x_train=flat(), y_train=labels(), x_test=flat(10), y_test=labels(9)
            )
        ),
        "x_test has 10 examples but y_test has shape (9,)",
    ),
    (
        "npz-nan-in-test-inputs",
        lambda t, c: run_source(
            write_npz(
                t / "d.npz",
                x_train=flat(),
                y_train=labels(),
                x_test=np.where(np.eye(10, 4) > 0, np.nan, flat(10)),
                y_test=labels(10),
            )
        ),
        "x_test holds 4 non-finite values (NaN or infinity), first at index (0, 0)",
    ),
    (
        "npz-nan-in-training-inputs",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=np.where(flat() > 0.99, np.nan, flat()), y=labels())
        ),
        "x holds 2 non-finite values (NaN or infinity), first at index (6, 2)",
    ),
    (
        "npz-infinite-inputs",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=np.where(flat() > 0.02, flat(), np.inf), y=labels())
        ),
        "non-finite value",
    ),
    (
        "npz-labels-that-are-images",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=flat(40, 64), y=np.zeros((40, 8, 8), int))
        ),
        "y has shape (40, 8, 8); expected one class label per example",
    ),
    (
        "npz-fractional-class-labels",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=flat(), y=labels() + 0.5),
            "--set",
            "data.options.task=classification",
        ),
        "holds the class label 0.5",
    ),
    (
        "npz-nan-class-labels",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=flat(), y=np.where(labels() > 0, np.nan, 0.0)),
            "--set",
            "data.options.task=classification",
        ),
        "holds the class label nan",
    ),
    (
        "npz-huge-class-labels",
        lambda t, c: run_source(write_npz(t / "d.npz", x=flat(), y=labels() * 10**9)),
        "the labels go up to 1000000000",
    ),
    (
        "npz-nan-regression-targets",
        lambda t, c: run_source(
            write_npz(
                t / "d.npz",
                x=np.random.default_rng(0).random((40, 6, 2)),
                y=np.where(labels() > 0, np.nan, 1.0)[:, None],
            ),
            "--set",
            "data.options={}",
            "--set",
            "data.options.kind=sequence",
            recipe="lstm_adding",
        ),
        "y holds 20 non-finite values (NaN or infinity), first at index (1, 0); expected finite "
        "regression targets",
    ),
    (
        "npz-one-dimensional-inputs",
        lambda t, c: run_source(write_npz(t / "d.npz", x=flat()[:, 0], y=labels())),
        "x has shape (40,); expected (examples, features...)",
    ),
    (
        "npz-missing-arrays",
        lambda t, c: run_source(write_npz(t / "d.npz", inputs=flat())),
        "must hold arrays x, y or x_train, y_train, x_test, y_test. Received: inputs",
    ),
    (
        "npz-truncated-file",
        lambda t, c: run_source(truncated_npz(t)),
        "cannot read",
    ),
    (
        "npz-not-an-archive",
        lambda t, c: run_source("npz:" + write_toml(t / "d.npz", b"just some text\n")),
        "cannot read",
    ),
    (
        "npz-unknown-option",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=flat(), y=labels()), "--set", "data.options.kinds=flat"
        ),
        "has no option 'kinds'",
    ),
    (
        "npz-bad-task-option",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=flat(), y=labels()), "--set", "data.options.task=clasify"
        ),
        "Received: 'clasify'",
    ),
    (
        "npz-missing-file",
        lambda t, c: run_source(f"npz:{t / 'nope.npz'}"),
        "npz file not found. Received:",
    ),
    # ---- MNIST IDX directories (class: damaged files)
    (
        "idx-gzip-damaged-stream",
        lambda t, c: run_source(
            mnist_dir(t, train_images=damaged_gzip(idx_bytes(np.zeros((30, 28, 28), np.uint8) + 7)))
        ),
        "cannot read IDX file",
    ),
    (
        "idx-gzip-truncated",
        lambda t, c: run_source(
            mnist_dir(t, t10k_labels=gzip.compress(idx_bytes(np.arange(10) % 10))[:-12])
        ),
        "cannot read IDX file",
    ),
    (
        "idx-header-cut-short",
        lambda t, c: run_source(mnist_dir(t, compress=False, train_labels=b"\x00\x00\x08\x01\x00")),
        "has a header cut short: 5 bytes, expected 8",
    ),
    (
        "idx-body-truncated",
        lambda t, c: run_source(
            mnist_dir(t, compress=False, t10k_images=idx_bytes(np.zeros((10, 28, 28)))[:-100])
        ),
        "is truncated or padded: header says shape (10, 28, 28)",
    ),
    (
        "idx-not-an-idx-file",
        lambda t, c: run_source(mnist_dir(t, compress=False, train_images=b"PK\x03\x04 zip")),
        "is not an IDX file: expected a header 00 00 <type> <ndim>. Received: 50 4b 03 04",
    ),
    (
        "idx-empty-file",
        lambda t, c: run_source(mnist_dir(t, compress=False, t10k_labels=b"")),
        "Received: an empty file",
    ),
    (
        "idx-labels-that-are-images",
        lambda t, c: run_source(mnist_dir(t, train_labels=np.zeros((30, 28, 28)))),
        "labels (30, 28, 28); expected images (N, height, width) and labels (N,)",
    ),
    (
        "idx-images-and-labels-differ",
        lambda t, c: run_source(mnist_dir(t, train_labels=np.arange(29) % 10)),
        "images (30, 28, 28), labels (29,)",
    ),
    (
        "idx-label-beyond-ten-classes",
        lambda t, c: run_source(mnist_dir(t, train_labels=np.arange(30) % 13)),
        "y_train holds the class label 12; expected labels 0...9 (10 classes)",
    ),
    (
        "idx-missing-file",
        lambda t, c: run_source(f"mnist_idx:{made_dir(t / 'mnist')}"),
        "no train-images-idx*-ubyte[.gz] file",
    ),
    (
        "idx-directory-not-found",
        lambda t, c: run_source(f"mnist_idx:{t / 'nowhere'}"),
        "MNIST directory not found. Received:",
    ),
    # ---- other sources
    (
        "text-empty-file",
        lambda t, c: run_source("text:" + write_toml(t / "empty.txt", ""), recipe="char_lstm"),
        "Received: 0 characters",
    ),
    (
        "text-path-is-a-directory",
        lambda t, c: run_source(f"text:{t}", recipe="char_lstm"),
        "text file not found. Received:",
    ),
    (
        "separable-margin-that-never-ends",
        lambda t, c: run_source("separable", "--set", "data.options.margin=2", recipe="perceptron"),
        "data.options.margin must be in [0.0, 1.0). Received: 2.0",
    ),
    (
        "spirals-negative-sample-count",
        lambda t, c: run_source("spirals", "--set", "data.options.num_samples=-5"),
        "data.options.num_samples must be >= 2. Received: -5",
    ),
    (
        "blobs-negative-spread",
        lambda t, c: run_source("blobs", "--set", "data.options.std=-1"),
        "data.options.std must be >= 0.0. Received: -1.0",
    ),
    ("unknown-data-source", lambda t, c: run_source("digitz"), "unknown data source 'digitz'"),
    ("unknown-keras-dataset", lambda t, c: run_source("keras:mnistt"), "'mnistt'"),
    # ---- task / loss / model mismatches (class: wrong results reported as success)
    (
        "regression-npz-given-to-a-classifier",
        lambda t, c: run_source(write_npz(t / "d.npz", x=flat(), y=flat()[:, 0])),
        "train.loss='sparse_categorical_crossentropy' needs class labels, but data 'npz:",
    ),
    (
        "regression-source-given-to-a-classifier",
        lambda t, c: run_source("function1d"),
        "needs class labels, but data 'function1d' holds regression targets",
    ),
    (
        "classifier-with-fewer-outputs-than-classes",
        lambda t, c: run("--set", "model.num_classes=5"),
        "has 5 outputs but data 'digits' has 10 classes",
    ),
    (
        "binary-output-for-ten-classes",
        lambda t, c: run("--set", "model.binary=true", "--set", "model.num_classes=2"),
        "has one (binary) output but data 'digits' has 10 classes",
    ),
    (
        "custom-task-recipe-with-nan-data",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=np.where(flat(40, 2) > 0.9, np.nan, 0.5), y=labels()),
            "--set",
            "data.options={}",
            recipe="perceptron",
        ),
        "non-finite value",
    ),
    # ---- recipe values (class: values that pass validation and start a run)
    ("learning-rate-nan", lambda t, c: run("--set", "train.learning_rate=nan"), "=nan"),
    ("learning-rate-inf", lambda t, c: run("--set", "train.learning_rate=inf"), "=inf"),
    ("learning-rate-negative-inf", lambda t, c: run("--set", "train.learning_rate=-inf"), "=-inf"),
    ("seed-negative", lambda t, c: run("--seed", "-1"), "Received: -1"),
    ("seed-too-large", lambda t, c: run("--seed", "99999999999"), "Received: 99999999999"),
    ("seed-not-a-number", lambda t, c: run("--seed", "abc"), "Received: 'abc'"),
    ("seed-negative-via-set", lambda t, c: run("--set", "seed=-3"), "seed=-3"),
    (
        "test-fraction-zero",
        lambda t, c: run("--set", "data.test_fraction=0"),
        "data.test_fraction=0 leaves no test split: 'digits' has no test split of its own",
    ),
    (
        "val-fraction-nan",
        lambda t, c: run("--set", "data.val_fraction=nan"),
        "data.val_fraction=nan",
    ),
    (
        "test-fraction-too-small-for-the-data",
        lambda t, c: run_source(
            write_npz(t / "d.npz", x=flat(2), y=labels(2)), "--set", "data.val_fraction=0.5"
        ),
        "leaves a split empty",
    ),
    (
        "batch-size-1e20-in-toml",
        lambda t, c: run("--config", write_toml(t / "c.toml", "[train]\nbatch_size = 1e20\n")),
        "train.batch_size=100000000000000000000",
    ),
    (
        "epochs-inf-in-toml",
        lambda t, c: run("--config", write_toml(t / "c.toml", "[train]\nepochs = inf\n")),
        "train.epochs expects an integer. Received: inf",
    ),
    (
        "epochs-1e12",
        lambda t, c: run("--set", "train.epochs=1e12"),
        "train.epochs=1000000000000",
    ),
    ("batch-size-zero", lambda t, c: run("--set", "train.batch_size=0"), "train.batch_size=0"),
    (
        "non-utf8-toml-config",
        lambda t, c: run(
            "--config", write_toml(t / "c.toml", "[train]\n# caf\xe9\n".encode("cp1252"))
        ),
        "is not UTF-8 text: byte 0xe9 at offset 13",
    ),
    (
        "non-utf8-toml-recipe",
        lambda t, c: [
            "run",
            write_toml(
                t / "mine.toml", ('name = "mine"\n# \xe9\n' + USER_RECIPE).encode("latin-1")
            ),
            "--smoke",
        ],
        "is not UTF-8 text: byte 0xe9",
    ),
    (
        "toml-recipe-named-like-a-built-in",
        lambda t, c: [
            "run",
            write_toml(t / "mine.toml", 'name = "mlp"\n' + USER_RECIPE),
            "--smoke",
        ],
        "recipe name 'mlp' in",
    ),
    (
        "toml-syntax-error",
        lambda t, c: run("--config", write_toml(t / "c.toml", "[train\n")),
        "TOML syntax error in",
    ),
    (
        "unknown-metric",
        lambda t, c: run("--set", 'train.metrics=["acuracy"]'),
        "unknown metric 'acuracy' in train.metrics",
    ),
    ("unknown-loss", lambda t, c: run("--set", "train.loss=crossentropy2"), "'crossentropy2'"),
    ("unknown-optimizer", lambda t, c: run("--set", "train.optimizer=adamm"), "'adamm'"),
    (
        "unknown-schedule",
        lambda t, c: run("--set", "train.schedule=cosin"),
        "unknown learning-rate schedule 'cosin'",
    ),
    (
        "schedule-with-zero-decay-steps",
        lambda t, c: run(
            "--set", "train.schedule=exponential", "--set", "train.schedule_options.decay_steps=0"
        ),
        "Received: decay_steps=0",
    ),
    (
        "optimizer-option-nan",
        lambda t, c: run("--set", "train.optimizer_options.beta_1=nan"),
        "Received: beta_1=nan",
    ),
    ("clipnorm-negative", lambda t, c: run("--set", "train.clipnorm=-1"), "train.clipnorm=-1.0"),
    (
        "weight-decay-inf",
        lambda t, c: run("--set", "train.weight_decay=inf"),
        "train.weight_decay=inf",
    ),
    (
        "augment-shift-beyond-the-image",
        lambda t, c: run("--set", "data.augment_shift=1.5"),
        "data.augment_shift=1.5",
    ),
    (
        "replay-buffer-too-large-for-memory",
        lambda t, c: [
            "run",
            "dqn_cartpole",
            "--smoke",
            "--set",
            "agent.options.buffer_size=10000000000",
        ],
        "10000000000",
    ),
    # ---- --out (class: a path that cannot hold the results, found only at the end)
    (
        "out-is-a-file",
        lambda t, c: run("--out", write_toml(t / "file.txt", "x")),
        "argument --out: expected a directory. Received:",
    ),
    (
        "out-under-a-file",
        lambda t, c: run("--out", write_toml(t / "file.txt", "x") + "/runs"),
        "is under the file",
    ),
    (
        "out-under-a-root-that-cannot-be-made",
        lambda t, c: run("--out", "/proc/dlrecipes-no-such-root/runs"),
        "expected a writable directory. Received: '/proc/dlrecipes-no-such-root/runs'",
    ),
    # ---- describe
    (
        "describe-learning-rate-nan",
        lambda t, c: ["describe", "mlp", "--set", "train.learning_rate=nan"],
        "=nan",
    ),
    (
        "describe-negative-labels",
        lambda t, c: [
            "describe",
            "mlp",
            "--set",
            "data.source=" + write_npz(t / "d.npz", x=flat(), y=labels() - 3),
        ],
        "holds the class label -3",
    ),
    (
        "describe-damaged-gzip",
        lambda t, c: [
            "describe",
            "mlp",
            "--set",
            "data.source="
            + mnist_dir(t, t10k_images=damaged_gzip(idx_bytes(np.ones((10, 28, 28))))),
        ],
        "cannot read IDX file",
    ),
    ("describe-seed-negative", lambda t, c: ["describe", "mlp", "--seed", "-7"], "Received: -7"),
    (
        "describe-regression-source-for-a-classifier",
        lambda t, c: ["describe", "mlp", "--set", "data.source=linear"],
        "needs class labels, but data 'linear'",
    ),
    # ---- compare
    (
        "compare-learning-rate-nan",
        lambda t, c: ["compare", "optimizers", "--smoke", "--set", "train.learning_rate=inf"],
        "=inf",
    ),
    (
        "compare-nan-inputs",
        lambda t, c: [
            "compare",
            "optimizers",
            "--smoke",
            "--set",
            "data.source=" + write_npz(t / "d.npz", x=np.full((40, 4), np.nan), y=labels()),
        ],
        "x holds 160 non-finite values",
    ),
    (
        "compare-seed-too-large",
        lambda t, c: ["compare", "optimizers", "--seed", "4294967296"],
        "4294967296",
    ),
    (
        "compare-test-fraction-zero",
        lambda t, c: ["compare", "optimizers", "--smoke", "--set", "data.test_fraction=0"],
        "data.test_fraction=0",
    ),
    # ---- tune
    (
        "tune-learning-rate-nan",
        lambda t, c: ["tune", "mlp", "--smoke", "--set", "train.learning_rate=nan"],
        "=nan",
    ),
    (
        "tune-negative-labels",
        lambda t, c: [
            "tune",
            "mlp",
            "--smoke",
            "--trials",
            "1",
            "--set",
            "data.source=" + write_npz(t / "d.npz", x=flat(), y=labels() - 1),
        ],
        "holds the class label -1",
    ),
    ("tune-zero-trials", lambda t, c: ["tune", "mlp", "--smoke", "--trials", "0"], "trials=0"),
    (
        "tune-regression-source-for-a-classifier",
        lambda t, c: ["tune", "mlp", "--smoke", "--trials", "1", "--set", "data.source=function1d"],
        "needs class labels, but data 'function1d'",
    ),
    # ---- evaluate a saved run (class: damaged or refused model files)
    (
        "evaluate-truncated-model",
        lambda t, c: [
            "evaluate",
            copy_run(c.trained, t, model_keras=(c.trained / "model.keras").read_bytes()[:2000]),
        ],
        "is not a readable .keras archive",
    ),
    (
        "evaluate-garbage-model",
        lambda t, c: ["evaluate", copy_run(c.trained, t, model_keras=b"not a model at all")],
        "is not a readable .keras archive",
    ),
    (
        "evaluate-model-with-corrupt-weights",
        lambda t, c: [
            "evaluate",
            copy_run(
                c.trained,
                t,
                model_keras=bad_weights_archive((c.trained / "model.keras").read_bytes(), t),
            ),
        ],
        "is a corrupt .keras file",
    ),
    (
        "evaluate-safe-mode-refusal",
        lambda t, c: ["evaluate", copy_run(c.trained, t, model_keras=lambda_model_bytes(t))],
        "was refused by Keras' safe mode",
    ),
    (
        "evaluate-missing-model",
        lambda t, c: ["evaluate", without(Path(copy_run(c.trained, t)), "model.keras")],
        "model.keras' does not exist",
    ),
    (
        "evaluate-non-utf8-recipe",
        lambda t, c: ["evaluate", copy_run(c.trained, t, recipe_toml=b"name = '\xff'\n")],
        "is not UTF-8 text: byte 0xff",
    ),
    (
        "evaluate-on-negative-labels",
        lambda t, c: [
            "evaluate",
            str(c.trained),
            "--data",
            write_npz(t / "d.npz", x=np.random.default_rng(0).random((20, 8, 8)), y=labels(20) - 1),
        ],
        "holds the class label -1",
    ),
    (
        "evaluate-on-nan-inputs",
        lambda t, c: [
            "evaluate",
            str(c.trained),
            "--data",
            write_npz(t / "d.npz", x=np.full((20, 8, 8), np.nan), y=labels(20)),
        ],
        "x holds 1280 non-finite values",
    ),
    (
        "evaluate-on-data-of-another-shape",
        lambda t, c: ["evaluate", str(c.trained), "--data", "spirals"],
        "the model expects inputs of shape",
    ),
    ("evaluate-not-a-run", lambda t, c: ["evaluate", str(t)], "expects a run directory"),
    (
        "evaluate-an-rl-run",
        lambda t, c: ["evaluate", rl_run(t, Q)],
        "evaluate expects a supervised run. Received: 'q_learning_frozenlake' has task = 'rl'",
    ),
    # ---- run --play (class: refusals and unwritable --record found only after playing)
    ("play-not-a-run", lambda t, c: ["run", Q, "--play", str(t)], "expects a run directory"),
    (
        "play-a-supervised-run",
        lambda t, c: ["run", "mlp", "--play", supervised_run_dir(t)],
        "--play expects an RL run. Received: 'mlp' has no agent",
    ),
    (
        "play-safe-mode-refusal",
        lambda t, c: [
            "run",
            "dqn_cartpole",
            "--play",
            rl_run(t, "dqn_cartpole", model_keras=lambda_model_bytes(t, (4,))),
        ],
        "was refused by Keras' safe mode",
    ),
    (
        "play-truncated-model",
        lambda t, c: [
            "run",
            "dqn_cartpole",
            "--play",
            rl_run(t, "dqn_cartpole", model_keras=lambda_model_bytes(t, (4,))[:500]),
        ],
        "is not a readable .keras archive",
    ),
    (
        "play-corrupt-q-table",
        lambda t, c: ["run", Q, "--play", rl_run(t, Q, q_table_npy=b"\x93NUMPY garbage")],
        "is not a readable NumPy table",
    ),
    (
        "play-q-table-of-the-wrong-shape",
        lambda t, c: ["run", Q, "--play", rl_run(t, Q, q_table_npy=npy_bytes(np.zeros(16), t))],
        "of shape (16,); expected a finite (states, actions) Q-table",
    ),
    (
        "play-record-unwritable-checked-before-playing",
        # The run directory does not even exist: the --record path is checked first.
        lambda t, c: ["run", Q, "--play", str(t / "nowhere"), "--record", "/proc/no-such/e.gif"],
        "--record cannot write '/proc/no-such/e.gif'",
    ),
    (
        "play-record-not-a-gif-or-mp4",
        lambda t, c: [
            "run",
            Q,
            "--play",
            rl_run(t, Q, q_table_npy=npy_bytes(np.zeros((16, 4)), t)),
            "--record",
            str(t / "e.avi"),
        ],
        "--record writes a GIF or an MP4. Received:",
    ),
    (
        "play-record-to-a-directory",
        lambda t, c: [
            "run",
            Q,
            "--play",
            rl_run(t, Q, q_table_npy=npy_bytes(np.zeros((16, 4)), t)),
            "--record",
            made_dir(t / "dir.gif"),
        ],
        "is a directory",
    ),
    (
        "play-zero-episodes",
        lambda t, c: ["run", Q, "--play", rl_run(t, Q), "--episodes", "0"],
        "--episodes must be >= 1. Received: 0",
    ),
]

#: Known gaps outside this suite's files; strict, so the marker goes once they are fixed.
XFAIL: dict[str, str] = {}


class _Fixtures:
    """Lazily built fixtures for the cases (only the evaluate cases train a model)."""

    def __init__(self, request):
        self._request = request

    @property
    def trained(self) -> Path:
        return self._request.getfixturevalue("trained_run")


def _params():
    for name, build, expected in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else []
        yield pytest.param(build, expected, id=name, marks=marks)


TAKES_OUT = {"run", "compare", "tune"}


def call_cli(argv: list[str], capsys) -> tuple[int, str]:
    """``main(argv)`` in-process: ``(exit status, stderr)``."""
    try:
        status = main(argv)
    except SystemExit as exit:  # argparse's own errors
        status = exit.code
    return status, capsys.readouterr().err


def check_one_error_line(status: int, stderr: str, expected: str, out: Path | None) -> None:
    assert "Traceback" not in stderr, stderr
    assert status == 2, f"exit status {status}; stderr:\n{stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, f"expected exactly one error: line, got:\n{stderr}"
    assert expected in errors[0], f"{expected!r} not in {errors[0]!r}"
    assert lines == errors, f"stderr holds more than the error line:\n{stderr}"
    if out is not None and out.exists():
        claimed = [str(p) for p in out.rglob("metrics.json")]
        assert not claimed, f"a failed run wrote {claimed}"
        # a folder that says neither what ran nor what failed is litter
        shells = [
            str(p.parent)
            for p in out.rglob("recipe.toml")
            if not (p.parent / "FAILED.txt").exists() and not any(p.parent.glob("*/"))
        ]
        assert not shells, f"a failed command left {shells}"


def test_there_are_enough_cases_over_every_command():
    names = [name for name, _, _ in CASES]
    assert len(names) == len(set(names)) and len(names) >= 60
    prefixes = {name.split("-")[0] for name in names}
    assert {"describe", "compare", "tune", "evaluate", "play"} <= prefixes, prefixes


@pytest.mark.parametrize("build, expected", list(_params()))
def test_bad_input_is_one_error_line(build, expected, tmp_path, capsys, request):
    argv = build(tmp_path, _Fixtures(request))
    out = None
    if argv[0] in TAKES_OUT and "--out" not in argv and "--play" not in argv:
        out = tmp_path / "out"
        argv = [*argv, "--out", str(out)]
    capsys.readouterr()  # what building the case printed
    status, stderr = call_cli(argv, capsys)
    check_one_error_line(status, stderr, expected, out)


# --------------------------------------------------------------------------- real stderr


def _subprocess(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=environment,
        timeout=300,
    )


def test_tensorflow_start_up_lines_do_not_precede_the_error_line(tmp_path):
    """A fresh process, TF_CPP_MIN_LOG_LEVEL unset: TensorFlow is imported (the data is
    loaded), and the error is still the only line on stderr."""
    source = write_npz(tmp_path / "d.npz", x=np.full((40, 4), np.nan), y=labels())
    code = (
        "import sys; from dlrecipes.cli import main; "
        f"sys.exit(main(['run', 'mlp', '--smoke', '--set', 'data.source={source}', "
        f"'--out', {str(tmp_path / 'out')!r}]))"
    )
    result = _subprocess(code, tmp_path)
    check_one_error_line(result.returncode, result.stderr, "x holds 160 non-finite", tmp_path)


def test_a_missing_dependency_of_tensorflow_datasets_is_named(tmp_path):
    """tensorflow-datasets 4.9 imports importlib_resources lazily without declaring it:
    the error names the package, not the network."""
    code = (
        "import sys; sys.modules['importlib_resources'] = None\n"
        "from dlrecipes.cli import main\n"
        f"sys.exit(main(['run', 'mlp', '--smoke', '--set', 'data.source=tfds:mnist', "
        f"'--set', 'data.options.data_dir={tmp_path / 'tfds'}', '--out', "
        f"{str(tmp_path / 'out')!r}]))"
    )
    result = _subprocess(code, tmp_path)
    check_one_error_line(
        result.returncode,
        result.stderr,
        "tfds:mnist needs the Python package 'importlib-resources', which is not installed",
        tmp_path,
    )
    assert "offline" not in result.stderr


def test_a_successful_record_prints_no_error_line(tmp_path):
    """pygame's SDL would print "error: XDG_RUNTIME_DIR is invalid" while recording."""
    run_dir = rl_run(tmp_path, Q, q_table_npy=npy_bytes(np.ones((16, 4)), tmp_path))
    gif = tmp_path / "episode.gif"
    code = (
        "import sys; from dlrecipes.cli import main; "
        f"sys.exit(main(['run', '{Q}', '--play', {run_dir!r}, '--episodes', '1', "
        f"'--record', {str(gif)!r}]))"
    )
    result = _subprocess(code, tmp_path, XDG_RUNTIME_DIR="")
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr
    assert gif.is_file() and not gif.with_name("episode.gif.tmp").exists()


# --------------------------------------------------------------------------- the pieces behind it


def test_divergence_is_blamed_on_the_data_before_the_optimizer():
    from types import SimpleNamespace

    from dlrecipes.spec import TrainSpec
    from dlrecipes.training.callbacks import DivergenceGuard

    guard, train = DivergenceGuard(), TrainSpec(learning_rate=0.5)
    guard.diverged_at = (1, 3)

    def splits(x, y, num_classes=3):
        return SimpleNamespace(x_train=x, y_train=y, num_classes=num_classes)

    nan_inputs = splits(np.where(np.eye(4, 2) > 0, np.nan, 1.0), np.zeros(4, int))
    assert "training inputs hold 2 NaN or infinite values" in guard.explain(train, nan_inputs)
    beyond = splits(np.ones((4, 2)), np.array([0, 1, 2, 7]))
    assert "labels range over 0..7; expected class labels 0..2" in guard.explain(train, beyond)
    huge = splits(np.full((4, 2), 3e30), np.zeros(4, int))
    assert "reach |x| = 3e+30" in guard.explain(train, huge)
    clean = guard.explain(train, splits(np.ones((4, 2)), np.zeros(4, int)))
    assert "epoch 1, batch 3" in clean and "train.learning_rate=0.5" in clean
    assert "lower train.learning_rate" in clean


def test_a_nan_metric_fails_the_evaluation_instead_of_reaching_metrics_json():
    import keras

    from dlrecipes.evaluation import NonFiniteMetricError, split_metrics

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.layers[-1].set_weights([np.full((2, 1), np.inf), np.zeros(1)])
    model.compile(loss="mse")
    data = type("S", (), {"x_test": -np.ones((4, 2), "float32"), "y_test": np.zeros((4, 1))})
    with pytest.raises(NonFiniteMetricError, match="the test loss is (nan|inf) after training"):
        split_metrics(model, data, "test")


def test_record_is_checked_before_a_single_episode_is_played(tmp_path, monkeypatch):
    from dlrecipes.rl import playback
    from dlrecipes.spec import RecipeError

    def no_episodes(*args, **kwargs):
        raise AssertionError("an episode was played before --record was checked")

    monkeypatch.setattr(playback, "evaluate", no_episodes)
    run_dir = rl_run(tmp_path, Q, q_table_npy=npy_bytes(np.zeros((16, 4)), tmp_path))
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(RecipeError, match="--record cannot write"):
        playback.play(Path(run_dir), episodes=1, record=blocker / "episode.gif")
