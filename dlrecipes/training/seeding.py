"""Seeding and determinism: the same seed gives the same metrics on the same machine."""

from __future__ import annotations

import keras


def set_seed(seed: int, jit_compile: bool = True) -> None:
    """Seed Python, NumPy and the backend.

    Without XLA, TensorFlow is also asked for deterministic ops. With XLA it is not:
    Keras turns XLA off whenever op determinism is on, and XLA's CPU kernels are
    deterministic already (the determinism test checks that the same seed gives
    the same metrics with XLA on).
    """
    keras.utils.set_random_seed(seed)
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
