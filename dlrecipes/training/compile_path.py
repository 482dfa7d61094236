"""Which compile path a model trains on: XLA or not, and how many steps per compiled call.

``train.jit_compile`` and ``train.steps_per_execution`` default to ``"auto"``:
:func:`choose` picks the fastest correct path for the backend, the device and the
model, and says why (``metrics.json["compile_path"]``, ``describe``). ``true`` /
``false`` and an integer force the choice.

The rules, from ``bench/throughput.py`` on a 2-core x86 CPU (AVX-512, oneDNN):

============================  ==========  ============================================
backend, device, model        XLA         why
============================  ==========  ============================================
JAX, any device               on          JAX runs every step through ``jax.jit``;
                                          without it Keras dispatches op by op
TensorFlow, GPU               on          XLA fuses the elementwise work around each
                                          matmul / convolution (Keras' own advice)
TensorFlow, CPU, conv / pool  off         XLA's CPU convolution backward-filter is
                                          2.7-5.7x slower than oneDNN's, and pooling
                                          gradients lower to select-and-scatter
TensorFlow, CPU, recurrent    off         TensorFlow's while-loop kernels beat XLA's
                                          CPU loop for row-MNIST-sized LSTM / GRU
TensorFlow, CPU, dense only   off below   a small step is dispatch-bound: XLA's
                              the size    executable launch costs more than it fuses;
                              threshold   large dense steps gain from fusion
============================  ==========  ============================================

``steps_per_execution``: several optimizer steps per compiled call when one step is
so small that Keras' per-call overhead (Python, callbacks, a host sync) would
dominate: as many as fit in :data:`TARGET_FLOPS_PER_EXECUTION`, at most
:data:`MAX_STEPS_PER_EXECUTION` and at most one epoch. The arithmetic is the same;
only batch-level callbacks see the logs once per call.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import keras

from dlrecipes.spec.schema import AUTO

#: Dense-only models on a CPU use XLA from this many training FLOPs per step
#: (6 x parameters x batch: forward, input gradient, weight gradient).
XLA_DENSE_CPU_MIN_FLOPS = 2.0e9
#: ``steps_per_execution="auto"`` groups steps until a call does about this much work
#: (about 0.1 s at this CPU's 205 GFLOP/s matmul peak). One compiled call costs Keras
#: 3-5 ms on top of its steps (Python, callbacks, the iterator, a host sync), measured
#: from LeNet-5's 7.4 ms per step at 1 step per call against 3.2 ms at 32; with this
#: target the overhead is a few % of a call for every model of ``bench/throughput.py``.
TARGET_FLOPS_PER_EXECUTION = 2.0e10
MAX_STEPS_PER_EXECUTION = 16

CONVOLUTION_LAYERS = (
    keras.layers.Conv1D,
    keras.layers.Conv2D,
    keras.layers.Conv3D,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv2D,
    keras.layers.Conv2DTranspose,
    keras.layers.MaxPooling2D,
    keras.layers.AveragePooling2D,
    keras.layers.MaxPooling1D,
    keras.layers.AveragePooling1D,
)


@dataclass(frozen=True)
class CompilePath:
    """The path a model trains on and the reason for it.

    Attributes:
        jit_compile: XLA on or off (what ``model.compile`` receives).
        steps_per_execution: optimizer steps per compiled call.
        reason: one sentence: the backend, device and model property that decided.
        forced: which of the two the recipe set itself (``jit_compile``,
            ``steps_per_execution``), empty when both were ``"auto"``.
    """

    jit_compile: bool
    steps_per_execution: int
    reason: str
    forced: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """JSON-ready, as ``metrics.json["compile_path"]`` holds it."""
        return {**asdict(self), "forced": list(self.forced)}

    def line(self) -> str:
        """One line for ``describe`` and the run's log."""
        return (
            f"compile path: XLA {'on' if self.jit_compile else 'off'}, "
            f"{self.steps_per_execution} step(s) per call ({self.reason})"
        )


def _all_layers(model):
    """Every layer of ``model``, nested models and RNN cells included."""
    stack, seen = list(getattr(model, "layers", [])), []
    while stack:
        layer = stack.pop()
        seen.append(layer)
        stack.extend(getattr(layer, "layers", []))
        cell = getattr(layer, "cell", None)
        if cell is not None:
            seen.append(cell)
    return seen


def model_kind(model) -> str:
    """``"convolutional"``, ``"recurrent"`` or ``"dense"`` (what the CPU rules look at)."""
    from dlrecipes.layers.connection_table_conv2d import ConnectionTableConv2D
    from dlrecipes.layers.trainable_subsampling import TrainableSubsampling2D

    layers = _all_layers(model)
    if any(
        isinstance(layer, (*CONVOLUTION_LAYERS, ConnectionTableConv2D, TrainableSubsampling2D))
        for layer in layers
    ):
        return "convolutional"
    if any(isinstance(layer, keras.layers.RNN) for layer in layers):
        return "recurrent"
    return "dense"


def forward_macs(model) -> float:
    """Multiply-adds of one example's forward pass: each weight of a layer times the
    number of positions (convolutions) or time steps (recurrent layers) it is used at."""
    total = 0.0
    for layer in _all_layers(model):
        if isinstance(layer, keras.Model) or not layer.weights:
            continue
        if layer.__class__.__name__.endswith("Cell"):
            continue  # counted with its RNN layer
        weights = sum(math.prod(w.shape) for w in layer.trainable_weights)
        uses = 1
        output = getattr(layer, "output", None)
        shape = tuple(getattr(output, "shape", ()) or ())
        if isinstance(layer, keras.layers.RNN):
            sequence = layer.input[0] if isinstance(layer.input, list) else layer.input  # [x, mask]
            uses = int(sequence.shape[1] or 1)
        elif len(shape) >= 3 and not isinstance(layer, keras.layers.Dense):
            uses = math.prod(int(d or 1) for d in shape[1:-1])  # output positions
        total += weights * uses
    return total or float(model.count_params())


def training_flops(model, batch_size: int) -> float:
    """About ``6 x forward multiply-adds x batch`` FLOPs per optimizer step (forward,
    input gradient and weight gradient, 2 FLOPs per multiply-add each)."""
    return 6.0 * forward_macs(model) * batch_size


def device_kind() -> str:
    """``"gpu"`` when the backend sees an accelerator, else ``"cpu"``."""
    from dlrecipes.training.seeding import device_name

    return "cpu" if device_name() == "CPU" else "gpu"


#: Preprocessing layers that run TensorFlow string ops, which XLA cannot compile.
STRING_LAYERS = (keras.layers.TextVectorization, keras.layers.StringLookup)


def _auto_jit(model, batch_size: int, backend: str, device: str) -> tuple[bool, str]:
    if backend == "jax":
        return True, "JAX: every step runs through jax.jit"
    if backend != "tensorflow":
        return False, f"{backend}: Keras' default (no XLA)"
    if any(isinstance(layer, STRING_LAYERS) for layer in _all_layers(model)):
        return False, "TensorFlow string ops (TextVectorization, StringLookup) do not compile"
    if device == "gpu":
        return True, "TensorFlow on a GPU: XLA fuses the elementwise work"
    kind = model_kind(model)
    if kind == "convolutional":
        return False, (
            "TensorFlow on CPU, convolutional model: XLA's CPU convolution and pooling "
            "gradients are slower than oneDNN's kernels"
        )
    if kind == "recurrent":
        return False, "TensorFlow on CPU, recurrent model: TensorFlow's loop kernels beat XLA's"
    flops = training_flops(model, batch_size)
    if flops >= XLA_DENSE_CPU_MIN_FLOPS:
        return True, f"TensorFlow on CPU, large dense model ({flops:.1e} FLOPs/step): XLA fuses"
    return False, (
        f"TensorFlow on CPU, small dense model ({flops:.1e} FLOPs/step < "
        f"{XLA_DENSE_CPU_MIN_FLOPS:.0e}): dispatch-bound, XLA's launch costs more than it fuses"
    )


def _auto_steps(model, batch_size: int, steps_per_epoch: int) -> int:
    flops = max(training_flops(model, batch_size), 1.0)
    steps = math.floor(TARGET_FLOPS_PER_EXECUTION / flops)
    return max(1, min(steps, MAX_STEPS_PER_EXECUTION, steps_per_epoch))


def choose(
    model, train, steps_per_epoch: int, *, backend: str | None = None, device: str | None = None
) -> CompilePath:
    """The compile path of ``model`` trained as ``train`` says (see the module docstring).

    Args:
        model: the built (uncompiled) model.
        train: the recipe's :class:`~dlrecipes.spec.TrainSpec`.
        steps_per_epoch: optimizer steps in one epoch (an upper bound on the steps per call).
        backend, device: default to Keras' backend and :func:`device_kind`.
    """
    backend = backend or keras.backend.backend()
    forced = []
    if (
        train.jit_compile == AUTO
        and getattr(train, "distribution", "none") != "none"
        and (backend == "tensorflow")
    ):
        jit_compile = False
        reason = "TensorFlow data_parallel: XLA cannot compile MirroredStrategy's step"
    elif train.jit_compile == AUTO:
        device = device or device_kind()
        jit_compile, reason = _auto_jit(model, train.batch_size, backend, device)
    else:
        jit_compile, reason = bool(train.jit_compile), f"train.jit_compile={train.jit_compile}"
        reason = reason.lower() + " (set by the recipe)"
        forced.append("jit_compile")
    mirrored = getattr(train, "distribution", "none") != "none" and backend == "tensorflow"
    if train.steps_per_execution == AUTO and mirrored:
        steps = 1  # MirroredStrategy's multi-step loop fails on its iterator (Keras 3.15)
    elif train.steps_per_execution == AUTO:
        steps = _auto_steps(model, train.batch_size, steps_per_epoch)
    else:
        steps = int(train.steps_per_execution)
        forced.append("steps_per_execution")
    return CompilePath(jit_compile, steps, reason, tuple(forced))
