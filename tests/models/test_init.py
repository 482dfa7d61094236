"""The builder registry (``dlrecipes/models/__init__.py``): names to builders, with hints."""

from __future__ import annotations

import pytest

from dlrecipes.models import get

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_unknown_builder_suggests_a_name():
    with pytest.raises(ValueError, match="Did you mean 'mlp'"):
        get("mpl")
