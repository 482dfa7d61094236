"""The source registry (``dlrecipes/data/__init__.py``): names, with hints for a typo."""

from __future__ import annotations

import pytest

from dlrecipes.data import load_raw, source_names
from dlrecipes.data.errors import DataUnavailableError


def test_unknown_source_suggests_names():
    with pytest.raises(DataUnavailableError, match="Did you mean 'digits'"):
        load_raw("digit")
    assert {"digits", "xor", "mnist_idx", "npz", "keras", "tfds"} <= set(source_names())
