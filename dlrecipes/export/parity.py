"""Parity: an exported artifact, loaded by its own runtime, against the Keras model.

Each format is read back the way a user's program would read it, never through Keras:

- ``saved_model``: TensorFlow's loader, ``tf.saved_model.load(path)``, calling the
  ``serving_default`` signature (what TF Serving calls);
- ``onnx``: ``onnxruntime.InferenceSession(path)`` on the CPU provider;
- ``litert``: the LiteRT interpreter (``ai_edge_litert.interpreter.Interpreter``, else
  TensorFlow's ``tf.lite.Interpreter``) through its ``serving_default`` signature
  runner.

Every output of every example batch is compared with the Keras model's output in
inference mode. An export passes when, element by element,

    |artifact - keras| <= atol + rtol * |keras|                        (numpy.isclose)

with ``atol = rtol = 1e-4`` by default: float32 kernels of different runtimes
reorder sums and fuse operations, which moves results by a few units in the last
place (about 1e-7 relative per operation); a real conversion error (a wrong layout,
a dropped layer, a stale weight) is orders of magnitude larger. The result reports
the largest absolute difference and the largest ratio ``|difference| / (atol +
rtol |keras|)`` (parity passes while it is <= 1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.spec import RecipeError

DEFAULT_ATOL = 1e-4
DEFAULT_RTOL = 1e-4


@dataclasses.dataclass(frozen=True)
class Parity:
    """The comparison of an artifact's outputs with the Keras model's.

    Attributes:
        max_abs_diff: the largest ``|artifact - keras|`` over every output element.
        max_ratio: the largest ``|artifact - keras| / (atol + rtol |keras|)`` (<= 1 passes).
        atol, rtol: the tolerance.
        batches, elements: how much was compared.
        worst_output: the name of the output holding the largest ratio.
        agreement: for a classifier or policy, the fraction of rows whose argmax (argmin
            for RBF penalties) is the same; ``None`` when not computed.
        passed: ``max_ratio <= 1`` and every output finite where Keras' is.
        runtime: the runtime that loaded the artifact, with its version.
    """

    max_abs_diff: float
    max_ratio: float
    atol: float
    rtol: float
    batches: int
    elements: int
    worst_output: str
    agreement: float | None
    passed: bool
    runtime: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


Runner = Callable[[Sequence[np.ndarray]], list[np.ndarray]]


def check(
    reference: Runner,
    artifact: Runner,
    batches: Sequence[Sequence[np.ndarray]],
    output_names: Sequence[str],
    *,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    runtime: str = "",
    decision: str | None = None,
) -> Parity:
    """Compare ``artifact(batch)`` with ``reference(batch)`` on every batch.

    Args:
        reference, artifact: ``list of input arrays -> list of output arrays``.
        batches: the example batches, each a sequence of input arrays.
        output_names: one name per output, in order.
        atol, rtol: the tolerance (see the module docstring).
        runtime: the runtime's name and version, for the report.
        decision: ``"argmax"`` or ``"argmin"``: also count rows whose decision on the
            first output agrees.
    """
    if atol < 0 or rtol < 0:
        raise RecipeError(f"tolerances must be >= 0. Received: atol={atol}, rtol={rtol}")
    max_abs, max_ratio, elements, worst = 0.0, 0.0, 0, output_names[0]
    finite = True
    same = rows = 0
    for batch in batches:
        expected, actual = reference(batch), artifact(batch)
        if len(actual) != len(expected):
            raise RecipeError(
                f"the artifact returned {len(actual)} outputs; the Keras model returns "
                f"{len(expected)} ({', '.join(output_names)})"
            )
        for name, want, got in zip(output_names, expected, actual):
            want, got = np.asarray(want, np.float64), np.asarray(got, np.float64)
            if want.shape != got.shape:
                raise RecipeError(
                    f"output {name!r} of the artifact has shape {got.shape}; the Keras model "
                    f"gives {want.shape}"
                )
            difference = np.abs(got - want)
            finite = finite and bool(np.isfinite(got[np.isfinite(want)]).all())
            difference = np.where(np.isfinite(difference), difference, np.inf)
            difference = np.where(np.isnan(want) & np.isnan(got), 0.0, difference)
            tolerance = atol + rtol * np.abs(np.nan_to_num(want))
            with np.errstate(divide="ignore", invalid="ignore"):  # a zero tolerance
                ratio = np.where(difference == 0, 0.0, difference / tolerance)
            elements += difference.size
            if difference.size and float(ratio.max()) > max_ratio:
                max_ratio, worst = float(ratio.max()), name
            if difference.size:
                max_abs = max(max_abs, float(difference.max()))
        if decision is not None:
            pick = np.argmax if decision == "argmax" else np.argmin
            want0, got0 = np.asarray(expected[0]), np.asarray(actual[0])
            same += int((pick(want0, axis=-1) == pick(got0, axis=-1)).sum())
            rows += int(np.prod(want0.shape[:-1]))
    return Parity(
        max_abs_diff=max_abs,
        max_ratio=max_ratio,
        atol=float(atol),
        rtol=float(rtol),
        batches=len(batches),
        elements=elements,
        worst_output=worst,
        agreement=(same / rows) if rows else None,
        passed=finite and max_ratio <= 1.0,
        runtime=runtime,
    )


# ----------------------------------------------------------------------------- runtimes


def saved_model_runner(path: Path, input_names, output_names) -> tuple[Runner, str]:
    """``(runner, runtime)``: the SavedModel's ``serving_default`` signature, loaded by
    ``tf.saved_model.load`` (no Keras)."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    serve = loaded.signatures["serving_default"]

    def run(arrays):
        feed = {name: tf.constant(a) for name, a in zip(input_names, arrays)}
        result = serve(**feed)
        return [result[name].numpy() for name in output_names]

    return run, f"tensorflow {tf.__version__} (tf.saved_model.load)"


def onnx_runner(path: Path, input_names, output_names) -> tuple[Runner, str]:
    """``(runner, runtime)``: an ``onnxruntime.InferenceSession`` on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    if sorted(names) != sorted(input_names):
        raise RecipeError(
            f"the ONNX model's inputs are {names}; expected {list(input_names)} (the export's "
            "signature)"
        )

    def run(arrays):
        return session.run(list(output_names), dict(zip(input_names, arrays)))

    return run, f"onnxruntime {onnxruntime.__version__}"


def litert_interpreter(path: Path):
    """``(interpreter, runtime)``: ``ai_edge_litert``'s interpreter, else ``tf.lite``'s."""
    try:
        from ai_edge_litert import interpreter as litert

        return litert.Interpreter(model_path=str(path)), _litert_version()
    except ImportError:
        import tensorflow as tf

        return tf.lite.Interpreter(model_path=str(path)), f"tf.lite {tf.__version__}"


def _litert_version() -> str:
    import importlib.metadata

    try:
        return f"ai-edge-litert {importlib.metadata.version('ai-edge-litert')}"
    except importlib.metadata.PackageNotFoundError:
        return "ai-edge-litert"


def litert_runner(path: Path, input_names, output_names) -> tuple[Runner, str]:
    """``(runner, runtime)``: the LiteRT interpreter's ``serving_default`` signature runner
    (it resizes its inputs to each batch)."""
    interpreter, runtime = litert_interpreter(path)
    runner = interpreter.get_signature_runner("serving_default")

    def run(arrays):
        result = runner(**dict(zip(input_names, arrays)))
        return [np.asarray(result[name]) for name in output_names]

    return run, runtime


RUNNERS = {"saved_model": saved_model_runner, "onnx": onnx_runner, "litert": litert_runner}
