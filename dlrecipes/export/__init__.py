"""Take a trained model out of its run directory: SavedModel, ONNX or LiteRT, checked.

    >>> from dlrecipes.export import export                                # doctest: +SKIP
    >>> result = export("runs/lenet5/20261201-203627-s0", "onnx")          # doctest: +SKIP
    >>> result.path, result.size_bytes, result.parity.max_abs_diff         # doctest: +SKIP
    ('runs/lenet5/20261201-203627-s0/export/model.onnx', 277311, 4.6e-05)

From the command line: ``python -m recipes export RUN_DIR --format onnx [--out PATH]``.

What is exported is the *inference* model (:mod:`dlrecipes.export.inference`): the
saved model without augmentation, dropout and other training-only layers, with its
standardisation; a character language model as its stepping model; a DQN run as its
greedy policy's Q-network. Its signature is fixed by the run's data (the batch size
is free): e.g. ``inputs: (None, 32, 32, 1) float32 -> outputs: (None, 10) float32``.

One graph goes to every format: the inference model is traced once into a
TensorFlow SavedModel with flat, named inputs and outputs (Keras'
``ExportArchive``); ``onnx`` converts that SavedModel's frozen graph with
``tf2onnx``; ``litert`` converts it with the LiteRT converter to built-in operators
only (an artifact needing TensorFlow's "Flex" kernels would not run in the plain
LiteRT interpreter, so such a conversion fails, naming the operators). Every
artifact is then loaded by its own runtime and compared with the Keras model on the
run's own examples (:mod:`dlrecipes.export.parity`); an export whose outputs differ
by more than the tolerance raises :class:`ParityError` (the CLI exits with status 1).

The artifact goes to ``RUN_DIR/export/`` (``saved_model/``, ``model.onnx``,
``model.tflite``) unless ``out`` names a path (an existing directory receives the
default name); beside it ``<artifact>.json`` describes the signature, the removed
layers, what to feed and the parity measured.

Exports run under the TensorFlow backend (the converters read TensorFlow graphs); a
model trained under JAX exports too, since ``model.keras`` is backend-neutral.
Optional runtimes are the ``export`` extra: ``pip install 'dlrecipes[export]'``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from dlrecipes import atomic
from dlrecipes.export.inference import (
    DEFAULT_EXAMPLES,
    InferenceModel,
    describe,
    from_keras,
    load_inference,
    model_file,
    strip_training_layers,
)
from dlrecipes.export.parity import DEFAULT_ATOL, DEFAULT_RTOL, RUNNERS, Parity, check
from dlrecipes.spec import RecipeError

__all__ = [
    "DEFAULT_ATOL",
    "DEFAULT_RTOL",
    "FORMATS",
    "ExportResult",
    "InferenceModel",
    "Parity",
    "ParityError",
    "export",
    "export_inference",
    "from_keras",
    "load_inference",
    "load_model",
    "strip_training_layers",
]

#: The formats and the artifact each writes under ``RUN_DIR/export/`` by default.
FORMATS = {"saved_model": "saved_model", "onnx": "model.onnx", "litert": "model.tflite"}
#: Other names accepted for a format.
ALIASES = {"tf_saved_model": "saved_model", "savedmodel": "saved_model", "tflite": "litert"}
#: The modules each format needs beyond TensorFlow, and the extra that installs them.
REQUIRES = {"saved_model": (), "onnx": ("tf2onnx", "onnx", "onnxruntime"), "litert": ()}
EXTRA = "export"
#: The ONNX operator set written (onnxruntime >= 1.16 runs it).
ONNX_OPSET = 17


class ParityError(RuntimeError):
    """The exported artifact's outputs differ from the Keras model's beyond the tolerance.

    Attributes:
        result: the :class:`ExportResult` (the artifact is kept for inspection).
    """

    def __init__(self, result: ExportResult):
        self.result = result
        parity = result.parity
        super().__init__(
            f"parity failed for {result.format} export {result.path}: max |difference| "
            f"{parity.max_abs_diff:.3g} on output {parity.worst_output!r} is "
            f"{parity.max_ratio:.3g} times the tolerance (atol {parity.atol:g} + rtol "
            f"{parity.rtol:g} |keras|)"
        )


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What :func:`export` wrote and measured.

    Attributes:
        run_dir: the run directory exported.
        format: ``saved_model``, ``onnx`` or ``litert``.
        path: the artifact (a directory for ``saved_model``).
        size_bytes: its size on disk (every file of a SavedModel).
        kind: ``supervised``, ``stepping`` or ``policy``.
        signature: the inputs and outputs (names, shapes, dtypes), removed layers, notes.
        parity: the comparison with the Keras model.
        examples_from: what the parity check was run on.
        description_path: the ``<artifact>.json`` written beside the artifact.
    """

    run_dir: str
    format: str
    path: str
    size_bytes: int
    kind: str
    signature: dict[str, Any]
    parity: Parity
    examples_from: str
    description_path: str

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "parity": self.parity.as_dict()}

    def summary_lines(self) -> list[str]:
        """What the CLI prints: the artifact, its size, the parity measured."""
        parity = self.parity
        status = "ok" if parity.passed else "FAILED"
        lines = [
            f"{self.format}: {self.path} ({format_size(self.size_bytes)})",
            f"  signature: {_signature_line(self.signature)}",
            f"  parity {status} on {self.examples_from} with {parity.runtime}: max |difference| "
            f"{parity.max_abs_diff:.3g} (tolerance atol {parity.atol:g} + rtol {parity.rtol:g} "
            f"|keras|: {parity.max_ratio:.3g} of it)",
        ]
        if parity.agreement is not None:
            lines.append(f"  same decision (argmax/argmin) on {parity.agreement:.2%} of rows")
        removed = self.signature.get("removed_layers")
        if removed:
            lines.append(f"  removed training-only layers: {', '.join(removed)}")
        return lines


def _signature_line(signature: dict[str, Any]) -> str:
    def one(t):
        shape = ", ".join("None" if d is None else str(d) for d in t["shape"])
        return f"{t['name']} ({shape}) {t['dtype']}"

    inputs = ", ".join(one(t) for t in signature["inputs"])
    outputs = ", ".join(one(t) for t in signature["outputs"])
    return f"{inputs} -> {outputs}"


def format_size(size: int) -> str:
    """``1234567`` -> ``'1.2 MB'`` (decimal units)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def artifact_size(path: Path) -> int:
    """Bytes on disk of a file, or of every file under a directory."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load_model(path: str | Path, *, compile: bool = True):
    """Load a ``model.keras`` a run saved, in Keras' safe mode (no code is deserialised).

    The library's custom layers, losses, metrics and schedules are registered first,
    so after ``import dlrecipes.export`` a plain ``keras.saving.load_model(path,
    safe_mode=True)`` loads it too. The file is backend-neutral: saved under TensorFlow
    it loads under JAX and the other way round.

    Raises:
        RecipeError: missing, corrupt, or refused by safe mode (one line).
    """
    from dlrecipes.models.build import load_saved_model

    return load_saved_model(path, compile=compile)


# ----------------------------------------------------------------------------- checks


def normalize_format(format: str) -> str:
    """The canonical format name; a one-line error naming the formats otherwise."""
    name = str(format).strip().lower().replace("-", "_")
    name = ALIASES.get(name, name)
    if name not in FORMATS:
        raise RecipeError(
            f"unknown export format {format!r}. Expected one of: {', '.join(FORMATS)}"
        )
    return name


def check_requirements(format: str) -> None:
    """Refuse a format whose converter or runtime is not installed, naming the extra.

    Raises:
        RecipeError: ``... needs the 'export' extra: pip install 'dlrecipes[export]'``.
    """
    missing = [module for module in REQUIRES[format] if not _importable(module)]
    if format == "litert" and not _importable("ai_edge_litert"):
        import tensorflow as tf

        if not hasattr(getattr(tf, "lite", None), "Interpreter"):
            missing.append("ai_edge_litert")
    if missing:
        raise RecipeError(
            f"export --format {format} needs the {EXTRA!r} extra (missing: "
            f"{', '.join(missing)}): pip install 'dlrecipes[{EXTRA}]'"
        )


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def check_backend() -> None:
    """Exports convert TensorFlow graphs: refuse another Keras backend with a fix."""
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RecipeError(
            f"export converts TensorFlow graphs; the Keras backend is "
            f"{keras.backend.backend()!r}: run it with KERAS_BACKEND=tensorflow (model.keras "
            "is backend-neutral, so a run trained under JAX exports too)"
        )


def output_path(run_dir: Path, format: str, out: str | Path | None) -> Path:
    """Where the artifact goes, checked to be writable before anything is converted.

    ``None``: ``RUN_DIR/export/<default name>``. An existing directory that is not
    itself a SavedModel, or (for ``onnx`` / ``litert``) a new path without a suffix: a
    directory holding the default name. Anything else is the artifact's own path
    (``.onnx`` / ``.tflite`` for those formats); an artifact already there is replaced.

    Raises:
        RecipeError: a wrong suffix, a path under a file, a directory that cannot be
            created or written.
    """
    default = FORMATS[format]
    if out is None:
        path = Path(run_dir) / "export" / default
    else:
        path = Path(out).expanduser()
        if path.is_dir() and not (path / "saved_model.pb").is_file():
            path = path / default
        elif format != "saved_model" and not path.suffix and not path.exists():
            path = path / default  # a directory to make, e.g. --out exports/lenet5
    suffix = {"onnx": ".onnx", "litert": ".tflite"}.get(format)
    if suffix and path.suffix.lower() != suffix:
        raise RecipeError(
            f"--format {format} writes a {suffix} file. Received: --out {str(path)!r}"
        )
    if format != "saved_model" and path.is_dir():
        raise RecipeError(f"--out {str(path)!r} is a directory; expected a {suffix} file name")
    if format == "saved_model" and path.is_file():
        raise RecipeError(f"--out {str(path)!r} is a file; a SavedModel is a directory")
    existing = path.parent
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise RecipeError(f"cannot write the export to {str(path)!r}: {str(existing)!r} is a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=".dlrecipes-probe-", dir=path.parent))
    except OSError as error:
        raise RecipeError(
            f"cannot write the export to {str(path)!r} ({error.strerror or error}); expected "
            "a path in a writable directory"
        ) from None
    return path


# ----------------------------------------------------------------------------- converting


@contextlib.contextmanager
def quiet_conversion():
    """Silence what the converters and runtimes print while they work: TensorFlow's and
    tf2onnx's deprecation warnings, the MLIR diagnostics the LiteRT converter and the
    interpreter's notices written to the process's stderr (a failure still raises, with
    its message)."""
    loggers = [logging.getLogger(name) for name in ("tensorflow", "tf2onnx")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def write_saved_model(inference: InferenceModel, path: Path) -> None:
    """The inference model as a SavedModel with one ``serving_default`` signature whose
    inputs and outputs carry the export's names (Keras' ``ExportArchive``)."""
    import keras
    import tensorflow as tf

    model, names = inference.model, [o.name for o in inference.outputs]
    signature = [tf.TensorSpec(i.shape, i.dtype, name=i.name) for i in inference.inputs]

    def serve(*tensors):
        outputs = model(tensors[0] if len(tensors) == 1 else list(tensors), training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return dict(zip(names, outputs))

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", serve, input_signature=signature)
    archive.write_out(str(path), verbose=False)


def write_onnx(saved_model: Path, inference: InferenceModel, path: Path) -> None:
    """Convert the SavedModel's ``serving_default`` graph to ONNX with ``tf2onnx``.

    The graph is frozen first (variables and captured constants such as the adapted
    ``Normalization`` statistics become constants), keeping ``while`` loops as loops
    (they become ONNX ``Loop`` / ``LSTM`` nodes); tensors are renamed to the
    export's input and output names.
    """
    import tensorflow as tf
    import tf2onnx
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    try:  # tf2onnx 1.17 still reads np.object etc.; Keras ships the patch it uses itself
        from keras.src.export.tf2onnx_lib import patch_tf2onnx

        patch_tf2onnx()
    except ImportError:
        pass
    loaded = tf.saved_model.load(str(saved_model))
    function = loaded.signatures["serving_default"]
    frozen = convert_variables_to_constants_v2(
        function, lower_control_flow=False, aggressive_inlining=True
    )
    inputs = {t.name: t.name.split(":")[0] for t in frozen.inputs}
    # The frozen graph's outputs are the signature's, flattened in order of their names.
    specs = tf.nest.flatten(function.structured_outputs)
    outputs = {tensor.name: spec.name for spec, tensor in zip(specs, frozen.outputs)}
    rename = dict(inputs)
    rename.update(outputs)
    with tf.device("/cpu:0"):
        tf2onnx.convert.from_graph_def(
            frozen.graph.as_graph_def(add_shapes=True),
            name=inference.name,
            input_names=list(inputs),
            output_names=list(outputs),
            opset=ONNX_OPSET,
            tensors_to_rename=rename,
            output_path=str(path),
        )


def write_litert(saved_model: Path, path: Path) -> None:
    """Convert the SavedModel to a LiteRT flatbuffer with built-in operators only.

    Raises:
        RecipeError: the graph needs an operator LiteRT has no built-in kernel for (the
            converter's first error names it).
    """
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    try:
        flatbuffer = converter.convert()
    except Exception as error:  # ConverterError: ops with no built-in LiteRT kernel
        raise RecipeError(
            f"LiteRT cannot convert this model to built-in operators: {_converter_error(error)}"
        ) from None
    path.write_bytes(flatbuffer)


def _converter_error(error: Exception) -> str:
    """The first ``error:`` of a LiteRT converter message, without its MLIR location."""
    for line in str(error).splitlines():
        if "error:" in line:
            return line.rsplit("error:", 1)[1].strip()[:300]
    return str(error).splitlines()[0][:300] if str(error) else type(error).__name__


def litert_artifact(inference: InferenceModel, scratch: Path, path: Path) -> InferenceModel:
    """Write the LiteRT artifact; returns the inference model of the signature it has.

    The batch stays free when the converter can lower the graph so. A recurrent layer's
    loop keeps its steps in a tensor list whose element shape ``(batch, units)`` must be
    static for built-in LiteRT operators, so such a model is converted again with a
    batch of 1 (LiteRT's usual on-device shape): its signature then says ``1``.
    """
    try:
        write_litert(scratch / "saved_model", path)
        return inference
    except RecipeError as error:
        if "TensorList" not in str(error):
            raise
    fixed = with_batch(inference, 1)
    write_saved_model(fixed, scratch / "saved_model_batch1")
    write_litert(scratch / "saved_model_batch1", path)
    return fixed


def with_batch(inference: InferenceModel, batch: int) -> InferenceModel:
    """The same inference model with the batch size of its signature fixed."""
    inputs = tuple(dataclasses.replace(i, shape=(batch, *i.shape[1:])) for i in inference.inputs)
    outputs = tuple(dataclasses.replace(o, shape=(batch, *o.shape[1:])) for o in inference.outputs)
    notes = (*inference.notes, f"the batch size is fixed to {batch}: feed one row per call")
    return dataclasses.replace(inference, inputs=inputs, outputs=outputs, notes=notes)


def row_by_row(runner, batch: int):
    """A runner for an artifact of fixed batch size ``batch`` (1): feeds one row at a
    time and stacks the outputs."""
    import numpy as np

    if batch != 1:
        raise ValueError(f"row_by_row feeds single rows. Received: batch={batch}")

    def run(arrays):
        rows = [runner([a[k : k + 1] for a in arrays]) for k in range(len(arrays[0]))]
        return [np.concatenate([row[j] for row in rows]) for j in range(len(rows[0]))]

    return run


# ----------------------------------------------------------------------------- export


def export(
    run_dir: str | Path,
    format: str,
    out: str | Path | None = None,
    *,
    examples: int = DEFAULT_EXAMPLES,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    check_parity: bool = True,
) -> ExportResult:
    """Export a run's inference model and check it with the format's own runtime.

    Args:
        run_dir: a completed run directory (``model.keras``, or ``best/model.keras`` of
            a DQN run).
        format: ``saved_model``, ``onnx`` or ``litert``.
        out: the artifact's path, or a directory for it (default ``RUN_DIR/export/``).
        examples: at most this many of the run's test examples (observations) checked.
        atol, rtol: the parity tolerance (:mod:`dlrecipes.export.parity`).
        check_parity: raise :class:`ParityError` when parity fails (the artifact stays).

    Returns:
        An :class:`ExportResult`.

    Raises:
        RecipeError: bad input: no run or model, a tabular or non-DQN RL run, an unknown
            format, an unwritable ``out``, a missing extra, an operator a format cannot
            express.
        ParityError: the artifact's outputs differ beyond the tolerance.
    """
    format = normalize_format(format)
    run_dir = Path(run_dir)
    model_file(run_dir)  # a run with a saved model, before anything heavy is imported
    check_backend()
    check_requirements(format)
    path = output_path(run_dir, format, out)  # the last check: it makes the directory
    inference = load_inference(run_dir, examples)
    return export_inference(
        inference, format, path, atol=atol, rtol=rtol, check_parity=check_parity, run_dir=run_dir
    )


def export_inference(
    inference: InferenceModel,
    format: str,
    path: str | Path,
    *,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    check_parity: bool = True,
    run_dir: str | Path = "",
) -> ExportResult:
    """Write ``inference`` (:func:`~dlrecipes.export.inference.load_inference`, or
    :func:`~dlrecipes.export.inference.from_keras` for any Keras model) as ``format`` at
    ``path`` and check it with the format's runtime on ``inference.examples``.

    The artifact and ``<artifact>.json`` are written whatever the parity; a failed
    parity then raises :class:`ParityError` (unless ``check_parity`` is false).
    """
    format = normalize_format(format)
    check_backend()
    check_requirements(format)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix=".export-", dir=path.parent) as scratch,
        quiet_conversion(),
    ):
        scratch = Path(scratch)
        saved_model = scratch / "saved_model"
        write_saved_model(inference, saved_model)
        written = scratch / "artifact"
        if format == "saved_model":
            written = saved_model
        elif format == "onnx":
            write_onnx(saved_model, inference, written)
        else:
            inference = litert_artifact(inference, scratch, written)
        _replace(written, path)
    with quiet_conversion():  # the LiteRT interpreter announces its CPU delegate
        runner, runtime = RUNNERS[format](
            path, [i.name for i in inference.inputs], [o.name for o in inference.outputs]
        )
        batch = inference.inputs[0].shape[0]
        if batch is not None:
            runner = row_by_row(runner, batch)
        parity = check(
            inference.predict,
            runner,
            inference.examples,
            [o.name for o in inference.outputs],
            atol=atol,
            rtol=rtol,
            runtime=runtime,
            decision=inference.decision,
        )
    description = path.with_name(path.name + ".json")
    result = ExportResult(
        run_dir=str(run_dir),
        format=format,
        path=str(path),
        size_bytes=artifact_size(path),
        kind=inference.kind,
        signature=describe(inference),
        parity=parity,
        examples_from=inference.examples_from,
        description_path=str(description),
    )
    atomic.write_text(description, json.dumps(result.as_dict(), indent=2) + "\n")
    if check_parity and not parity.passed:
        raise ParityError(result)
    return result


def _replace(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, replacing an artifact already there."""
    if target.is_dir():
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        source.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(source, target)
