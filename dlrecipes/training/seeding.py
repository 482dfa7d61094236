"""Seeding and determinism: the same seed gives the same metrics on the same machine.

:func:`random_state` / :func:`set_random_state` capture and restore every global
random generator a training run draws from, as plain data (arrays and JSON
values, no pickle), so that a resumed run continues the same random streams.
"""

from __future__ import annotations

import random
from typing import Any

import keras
import numpy as np


def set_seed(seed: int, jit_compile: bool | str = True) -> None:
    """Seed Python, NumPy and the backend (and set op determinism, see :func:`set_determinism`).

    ``jit_compile="auto"`` leaves determinism to :func:`dlrecipes.training.compile_model`,
    which sets it once the compile path is chosen.
    """
    keras.utils.set_random_seed(seed)
    if jit_compile != "auto":
        set_determinism(bool(jit_compile))


def set_determinism(jit_compile: bool) -> None:
    """Without XLA, ask TensorFlow for deterministic ops; with XLA do not.

    Keras turns XLA off whenever op determinism is on, and XLA's CPU kernels are
    deterministic already (the determinism test checks that the same seed gives the
    same metrics with XLA on). Other backends: nothing to set.
    """
    if keras.backend.backend() == "tensorflow":
        from tensorflow.python.framework import config

        if jit_compile:
            config.disable_op_determinism()
        else:
            config.enable_op_determinism()


def device_name() -> str:
    """The accelerator training runs on (``GPU:0 (name)``) or ``CPU``."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return f"GPU:0 ({details.get('device_name', 'unknown')})"
        return "CPU"
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return "CPU" if device.platform == "cpu" else f"{device.platform.upper()}:0 ({device})"
    return "CPU"


def _keras_global_seed_generator():
    """Keras' global SeedGenerator (unseeded ``keras.random`` calls), if one was created.

    Keras has no public getter that does not create it (creating it would draw from
    Python's ``random`` and change the run), hence the private module.
    """
    from keras.src.backend.common import global_state
    from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR

    return global_state.get_global_attribute(GLOBAL_SEED_GENERATOR)


def _tf_global_generator():
    """TensorFlow's global ``tf.random.Generator``, if one was created (else ``None``)."""
    if keras.backend.backend() != "tensorflow":
        return None
    from tensorflow.python.ops import stateful_random_ops

    return stateful_random_ops.global_generator


def random_state() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``(arrays, data)``: the state of every global random generator, as plain data.

    Python's ``random``, NumPy's global generator (``np.random``: Keras shuffles with
    it under JAX), Keras' global ``SeedGenerator`` and TensorFlow's global
    ``tf.random.Generator`` (the last two only if they exist). Layers' own seed
    generators (dropout) are model variables and travel with the weights.
    """
    name, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    arrays = {"numpy_keys": np.asarray(keys)}
    version, internal, gauss_next = random.getstate()
    data = {
        "numpy": [name, int(position), int(has_gauss), float(cached_gaussian)],
        "python": [version, list(internal), gauss_next],
    }
    keras_generator = _keras_global_seed_generator()
    if keras_generator is not None:
        arrays["keras_global"] = keras.ops.convert_to_numpy(keras_generator.state.value)
    tf_generator = _tf_global_generator()
    if tf_generator is not None:
        arrays["tf_global"] = tf_generator.state.numpy()
    return arrays, data


def set_random_state(arrays: dict[str, np.ndarray], data: dict[str, Any]) -> None:
    """Restore what :func:`random_state` returned."""
    name, position, has_gauss, cached_gaussian = data["numpy"]
    if name != "MT19937":
        raise ValueError(f"NumPy's global generator is MT19937. Received: {name!r}")
    keys = np.asarray(arrays["numpy_keys"], dtype=np.uint32)
    np.random.set_state((name, keys, int(position), int(has_gauss), float(cached_gaussian)))
    version, internal, gauss_next = data["python"]
    random.setstate((int(version), tuple(int(i) for i in internal), gauss_next))
    keras_generator = _keras_global_seed_generator()
    if "keras_global" in arrays and keras_generator is not None:
        keras_generator.state.assign(arrays["keras_global"])
    tf_generator = _tf_global_generator()
    if "tf_global" in arrays and tf_generator is not None:
        tf_generator.state.assign(arrays["tf_global"])
