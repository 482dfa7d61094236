"""Data sources: IDX reader on the real mnist-8k, splits, preprocessing, offline errors."""

from __future__ import annotations

import gzip
import socket
import struct

import numpy as np
import pytest

from dlrecipes.data import load, load_raw, source_names
from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.files import read_idx
from dlrecipes.recipe import DataSpec, RecipeError


def write_idx(path, array: np.ndarray, compress: bool):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    payload = header + array.astype(np.uint8).tobytes()
    if compress:
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)


def test_mnist_8k_reads_with_the_standard_layout(mnist_dir):
    raw = load_raw(f"mnist_idx:{mnist_dir}")
    assert raw.x.shape == (7000, 28, 28) and raw.x_test.shape == (1000, 28, 28)
    assert raw.y.shape == (7000,) and raw.y_test.shape == (1000,)
    assert set(np.unique(raw.y)) == set(range(10))
    assert raw.x.min() == 0 and raw.x.max() == 255
    # A real digit has ink in the middle and none in the corners.
    assert raw.x[:, 10:18, 10:18].mean() > 5 * raw.x[:, :4, :4].mean()


def test_mnist_splits_keep_the_test_set_and_hold_out_validation(mnist_dir):
    splits = load(DataSpec(source=f"mnist_idx:{mnist_dir}", val_fraction=0.1), seed=0)
    assert (len(splits.x_train), len(splits.x_val), len(splits.x_test)) == (6300, 700, 1000)
    assert splits.input_shape == (28, 28, 1)
    assert (
        splits.x_train.dtype == np.float32
        and 0.0 <= splits.x_train.min() <= splits.x_train.max() <= 1.0
    )


def test_uncompressed_idx_with_dot_naming_and_full_mnist_layout(tmp_path):
    rng = np.random.default_rng(0)
    for stem, n in (("train", 20), ("t10k", 10)):
        write_idx(tmp_path / f"{stem}-images.idx3-ubyte", rng.integers(0, 256, (n, 28, 28)), False)
        write_idx(tmp_path / f"{stem}-labels.idx1-ubyte", rng.integers(0, 10, n), False)
    raw = load_raw(f"mnist_idx:{tmp_path}")
    assert raw.x.shape == (20, 28, 28) and raw.x_test.shape == (10, 28, 28)
    assert np.array_equal(read_idx(tmp_path / "t10k-labels.idx1-ubyte"), raw.y_test)


def test_bad_idx_files_are_clear_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(DataUnavailableError, match="is not an IDX file"):
        read_idx(tmp_path / "bad")
    with pytest.raises(DataUnavailableError, match="MNIST directory not found. Received: 'nope'"):
        load_raw("mnist_idx:nope")
    with pytest.raises(DataUnavailableError, match="no train-images-idx"):
        load_raw(f"mnist_idx:{tmp_path}")


def test_digits_splits_are_deterministic_and_stratified():
    spec = DataSpec(source="digits")
    a, b, c = load(spec, seed=0), load(spec, seed=0), load(spec, seed=1)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)
    assert (len(a.x_train), len(a.x_val), len(a.x_test)) == (1293, 144, 360)
    counts = np.bincount(a.y_test)
    assert counts.min() >= 35 and counts.max() <= 37  # 20% of ~180 per class


def test_image_preprocessing_resize_pad_flat_sequence():
    padded = load(DataSpec(source="digits", image_size=28, pad_to=32, limit=10), seed=0)
    assert padded.input_shape == (32, 32, 1)
    assert np.all(padded.x_train[:, :2] == 0) and np.all(padded.x_train[:, :, -2:] == 0)
    assert padded.extras["image_size"] == 28
    flat = load(DataSpec(source="digits", layout="flat", limit=10), seed=0)
    assert flat.input_shape == (64,)
    sequence = load(DataSpec(source="digits", layout="sequence", limit=10), seed=0)
    assert sequence.input_shape == (8, 8)
    with pytest.raises(RecipeError, match="need image data"):
        load(DataSpec(source="xor", pad_to=4), seed=0)


def test_synthetic_sources():
    xor = load(DataSpec(source="xor"), seed=0)
    assert xor.x_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert xor.y_train.tolist() == [0, 1, 1, 0]
    linear = load_raw("linear", {"num_samples": 100, "noise": 0.0})
    w, b = np.array(linear.extras["true_weights"]), linear.extras["true_bias"]
    np.testing.assert_allclose(linear.x @ w + b, linear.y.ravel(), rtol=1e-5, atol=1e-5)
    fn = load(DataSpec(source="function1d:abs"), seed=0)
    np.testing.assert_allclose(fn.y_train, np.abs(fn.x_train), atol=1e-6)
    assert fn.task == "regression" and fn.num_outputs == 1
    spirals = load_raw("spirals", {"num_samples": 200})
    assert spirals.x.shape == (200, 2) and np.bincount(spirals.y).tolist() == [100, 100]
    with pytest.raises(RecipeError, match="has no option 'samples'"):
        load_raw("spirals", {"samples": 3})


def test_npz_source(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.arange(40, dtype="float32").reshape(20, 2), y=np.arange(20) % 2)
    splits = load(DataSpec(source=f"npz:{path}", test_fraction=0.25), seed=0)
    assert len(splits.x_test) == 5 and splits.num_classes == 2
    np.savez(tmp_path / "bad.npz", a=np.zeros(3))
    with pytest.raises(DataUnavailableError, match="must hold arrays x, y"):
        load_raw(f"npz:{tmp_path / 'bad.npz'}")


def test_unknown_source_suggests_names():
    with pytest.raises(DataUnavailableError, match="Did you mean 'digits'"):
        load_raw("digit")
    assert {"digits", "xor", "mnist_idx", "npz", "keras", "tfds"} <= set(source_names())


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network and no cached datasets: every socket connection fails at once."""

    def refuse(*args, **kwargs):
        raise OSError("network is unreachable (test: offline)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))


def test_keras_dataset_offline_is_one_clear_line(offline):
    with pytest.raises(DataUnavailableError) as error:
        load_raw("keras:mnist")
    message = str(error.value)
    assert "could not download keras:mnist (offline?)" in message
    assert "digits" in message and "mnist_idx:DIR" in message
    assert "\n" not in message


def test_tfds_offline_is_one_clear_line(offline, tmp_path):
    with pytest.raises(DataUnavailableError) as error:
        load_raw("tfds:mnist", {"data_dir": str(tmp_path / "tfds")})
    assert "could not load tfds:mnist" in str(error.value)
    assert "digits" in str(error.value)
