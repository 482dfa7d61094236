"""File sources: the IDX reader on the real mnist-8k and on written files, ``.npz`` archives."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from dlrecipes.data import load, load_raw
from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.files import read_idx
from dlrecipes.recipe import DataSpec


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


def test_npz_source(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.arange(40, dtype="float32").reshape(20, 2), y=np.arange(20) % 2)
    splits = load(DataSpec(source=f"npz:{path}", test_fraction=0.25), seed=0)
    assert len(splits.x_test) == 5 and splits.num_classes == 2
    np.savez(tmp_path / "bad.npz", a=np.zeros(3))
    with pytest.raises(DataUnavailableError, match="must hold arrays x, y"):
        load_raw(f"npz:{tmp_path / 'bad.npz'}")
