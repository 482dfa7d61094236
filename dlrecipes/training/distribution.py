"""Data-parallel training over every visible device (``train.distribution``).

Synchronous data parallelism: every device holds a full copy of the weights; each
step the global batch of ``B`` examples is split into ``D`` equal shards, device
``d`` computes the gradient ``g_d`` of the mean loss over its ``B / D`` examples,
the gradients are averaged over devices (an all-reduce) and every copy applies
the same update::

    g = (1 / D) * sum_d g_d  =  gradient of the mean loss over the global batch

so one step equals the single-device step on the same ``B`` examples up to
float rounding (the order of the sums differs). ``train.batch_size`` stays the
*global* batch; each device sees ``batch_size / D``.

| backend    | ``data_parallel`` uses                                   | hosts          |
|------------|----------------------------------------------------------|----------------|
| JAX        | ``keras.distribution.DataParallel`` over                 | one or many    |
|            | ``keras.distribution.list_devices()``                    |                |
| TensorFlow | ``tf.distribute.MirroredStrategy`` over the GPUs (or the | one            |
|            | logical CPUs when there is no GPU)                       |                |

Several hosts (JAX only): set the standard variables on every host, the same
command on each::

    JAX_COORDINATOR_ADDRESS=10.0.0.1:1234 JAX_NUM_PROCESSES=2 JAX_PROCESS_ID=0 \\
        python -m recipes run mlp --set train.distribution=data_parallel

and :func:`keras.distribution.initialize` joins them before any device is used.
TensorFlow's multi-worker strategy is not offered: with Keras 3 its
``MultiWorkerMirroredStrategy`` path is broken upstream (keras-team/keras#20585),
so ``TF_CONFIG`` with ``data_parallel`` is a one-line error.

Under TensorFlow the mirrored step runs without XLA (``--set train.jit_compile=false``;
with XLA the compiled step cannot reach the other replicas' variables).
The batch of every step must split evenly (JAX shards it): choose
``batch_size`` and the split sizes as multiples of the device count.

Reference: Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in
1 Hour" (2017), for the global-batch view of synchronous data parallelism.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from dlrecipes.recipe import RecipeError
from dlrecipes.spec.schema import DISTRIBUTIONS

JAX_MULTI_HOST_VARIABLES = ("JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID")

_initialized = False


def devices() -> list[str]:
    """The devices ``data_parallel`` spreads the batch over (names as the backend gives them)."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        return list(keras.distribution.list_devices())
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        return [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
    raise RecipeError(
        "train.distribution=data_parallel runs under JAX or TensorFlow. "
        f"Received backend {backend!r}"
    )


def _initialize_jax_hosts() -> None:
    """``keras.distribution.initialize()`` once, when the standard JAX variables are set."""
    global _initialized
    present = [name for name in JAX_MULTI_HOST_VARIABLES if os.environ.get(name)]
    if _initialized or not present:
        return
    missing = [name for name in JAX_MULTI_HOST_VARIABLES if name not in present]
    if missing:
        raise RecipeError(
            f"multi-host data parallelism needs {', '.join(JAX_MULTI_HOST_VARIABLES)}; "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set"
        )
    import keras

    keras.distribution.initialize()
    _initialized = True


@contextlib.contextmanager
def distribution_scope(name: str, jit_compile: bool = False) -> Iterator[int]:
    """Build, compile, fit, evaluate and save inside this block; yields the device count.

    Args:
        name: ``none`` (one device, nothing changes) or ``data_parallel``.
        jit_compile: the recipe's ``train.jit_compile`` (TensorFlow's mirrored
            training runs without XLA: see below).

    Raises:
        RecipeError: an unknown name, another backend, TensorFlow with ``TF_CONFIG``,
            or TensorFlow with XLA (a ``jit_compile=True`` step under
            ``MirroredStrategy`` fails with "Trying to access resource ... located in
            device replica_1"; measured with two logical CPU devices).
    """
    if name not in DISTRIBUTIONS:
        raise RecipeError(
            f"train.distribution must be one of {', '.join(DISTRIBUTIONS)}. Received: {name!r}"
        )
    if name == "none":
        yield 1
        return
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        if os.environ.get("TF_CONFIG"):
            raise RecipeError(
                "train.distribution=data_parallel under TensorFlow runs on one host; "
                "TF_CONFIG asks for several, and Keras 3's multi-worker path is broken "
                "upstream (keras-team/keras#20585): use the JAX backend for several hosts"
            )
        if jit_compile:
            raise RecipeError(
                "train.distribution=data_parallel under TensorFlow needs "
                "train.jit_compile=false (XLA cannot compile the mirrored step: its variables "
                "live on other devices); or use the JAX backend"
            )
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy(devices=devices())
        with strategy.scope():
            yield strategy.num_replicas_in_sync
        return
    if backend == "jax":
        _initialize_jax_hosts()
        parallel = keras.distribution.DataParallel(devices=devices())
        previous = keras.distribution.distribution()
        keras.distribution.set_distribution(parallel)
        try:
            yield len(parallel.device_mesh.devices.flatten())
        finally:
            keras.distribution.set_distribution(previous)
        return
    devices()  # raises: another backend
