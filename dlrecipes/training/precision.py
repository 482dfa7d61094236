"""Mixed precision scoped to one run, not set for the whole process.

Keras reads its dtype policy from a process-global setting when a layer is
built. :func:`precision_policy` sets it for the duration of a ``with`` block
and restores the previous policy afterwards, so a ``mixed_float16`` run does not
leak float16 layers into the next model a notebook or a test builds::

    with precision_policy(mixed=True):
        model = build_model(recipe, splits)     # float16 compute, float32 variables
        compile_model(model, recipe.train, n)   # Keras adds loss scaling
        fit(model, splits, recipe.train)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def precision_policy(mixed: bool) -> Iterator[str]:
    """Use ``mixed_float16`` (``mixed=True``) or ``float32`` inside the block."""
    import keras

    previous = keras.config.dtype_policy()
    name = "mixed_float16" if mixed else "float32"
    keras.config.set_dtype_policy(name)
    try:
        yield name
    finally:
        keras.config.set_dtype_policy(previous)
