"""Online sources (keras.datasets, TensorFlow Datasets): offline, one clear line naming the
embedded and file sources to use instead."""

from __future__ import annotations

import socket

import pytest

from dlrecipes.data import load_raw
from dlrecipes.data.errors import DataUnavailableError


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
