"""The few backend-specific pieces a pure, compiled update needs.

Everything else in :mod:`dlrecipes.rl` is written with ``keras.ops`` and runs on
any Keras backend. Two things are not part of ``keras.ops``:

* **gradients of a pure function**: ``jax.value_and_grad`` under JAX, a
  ``tf.GradientTape`` under TensorFlow;
* **compilation with XLA**: ``jax.jit`` under JAX,
  ``tf.function(jit_compile=True)`` under TensorFlow.

Both take and return nested lists and dicts of tensors ("pytrees"), so a
function written once, ``(params, batch) -> (loss, new params)``, is compiled
once per input shape and called many times without Python in the loop.
"""

from __future__ import annotations

from collections.abc import Callable

SUPPORTED_BACKENDS = ("jax", "tensorflow")


def name() -> str:
    """The active Keras backend, checked to be one the RL code supports."""
    import keras

    backend = keras.backend.backend()
    if backend not in SUPPORTED_BACKENDS:
        raise ValueError(
            "dlrecipes.rl compiles its updates with jax.jit or tf.function and supports the "
            f"backends {', '.join(SUPPORTED_BACKENDS)}. Received: KERAS_BACKEND={backend!r}"
        )
    return backend


def value_and_grad(function: Callable) -> Callable:
    """``function(params, *args) -> (loss, aux)`` to ``(params, *args) -> ((loss, aux), grads)``.

    ``grads`` has the structure of ``params`` (a list of tensors).
    """
    if name() == "jax":
        import jax

        return jax.value_and_grad(function, has_aux=True)
    import tensorflow as tf

    def wrapped(params, *args):
        with tf.GradientTape() as tape:
            tape.watch(params)
            loss, aux = function(params, *args)
        return (loss, aux), tape.gradient(loss, params)

    return wrapped


def jit(function: Callable, jit_compile: bool = True) -> Callable:
    """Compile a pure function of tensors with XLA (traced once per input signature).

    ``jit_compile=False``: under TensorFlow a graph without XLA (``tf.function``), whose
    oneDNN convolutions are many times faster on a CPU than XLA's (under JAX always
    ``jax.jit``).
    """
    if name() == "jax":
        import jax

        return jax.jit(function)
    import tensorflow as tf

    return tf.function(function, jit_compile=jit_compile, autograph=False)


def conv_xla_is_slow() -> bool:
    """Whether this is TensorFlow on a CPU, where XLA's convolution gradients are several
    times slower than oneDNN's (measured: 35x for the Nature DQN update, batch 32)."""
    if name() != "tensorflow":
        return False
    import tensorflow as tf

    return not tf.config.list_physical_devices("GPU")


class CompiledForward:
    """A compiled ``(params, observations) -> outputs`` with as little call overhead as possible.

    Under TensorFlow, calling a ``tf.function`` re-checks its signature on every
    call (hundreds of microseconds); calling the concrete function traced for
    one input shape is several times cheaper. Acting calls this once per
    environment step, so the difference is seconds per run.
    """

    def __init__(self, function: Callable, jit_compile: bool = True):
        self._backend = name()
        self._compiled = jit(function, jit_compile)
        self._concrete = {}

    def __call__(self, params, observations):
        if self._backend == "jax":
            return self._compiled(params, observations)
        import tensorflow as tf

        key = (observations.shape, str(observations.dtype))
        concrete = self._concrete.get(key)
        if concrete is None:
            spec = tf.TensorSpec(observations.shape, tf.as_dtype(observations.dtype))
            concrete = self._compiled.get_concrete_function(params, spec)
            self._concrete[key] = concrete
        return concrete(params, tf.convert_to_tensor(observations))
