"""The inference model of a saved run: what an export holds, and the examples that check it.

A run saves ``model.keras`` as it trained: for image recipes that is::

    inputs -> RandomTranslation (augment_shift) -> RandomRotation (augment_rotation)
           -> Normalization (standardize) -> the builder's model [-> float32 outputs]

Serving needs only what runs at inference. :func:`strip_training_layers` rebuilds
the graph without the layers that only act while training -- the random
augmentation layers (named ``augment_*``, or any Keras ``Random*`` augmentation
layer), ``Dropout`` and its relatives, ``GaussianNoise``, ``ActivityRegularization``
-- and keeps everything inference uses (the adapted ``Normalization``, batch
normalisation's moving statistics, the float32 output cast). The new model shares
the trained layers, so its outputs are the Keras model's outputs in inference mode,
bit for bit (``training=False`` makes the removed layers identities anyway; removing
them keeps them out of the artifact and of the exported graph).

:func:`load_inference` turns a run directory into an :class:`InferenceModel`: a
model with flat, named inputs and outputs, a fixed input signature (rank, dtype and
every dimension the data fixes; the batch is free) and batches of the run's own
examples for the parity check (:mod:`dlrecipes.export.parity`):

- a supervised run: ``model.keras``, checked on the run's test examples;
- a character language model (builder ``char_language_model``): its *stepping*
  model (:func:`dlrecipes.reports.text.stepping_model`), ``(ids, *states) ->
  (probabilities, *states)``, checked on a test window's prompt and the steps after
  it;
- a DQN run: the greedy policy's Q-network ``best/model.keras`` (``observation ->
  q_values``; the greedy action is their argmax), checked on observations of the
  run's environment.

Everything is loaded in Keras' safe mode: nothing read from a run executes code.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.spec import Recipe, RecipeError, recipe_from_toml

# Keras, the data and the environments are imported inside the functions: importing
# dlrecipes.export (e.g. for ``--help``) stays free of TensorFlow.

#: Default number of examples the parity check compares (the first of the test split).
DEFAULT_EXAMPLES = 256
#: Prompt length and single steps after it in a stepping model's parity check.
STEPPING_PROMPT, STEPPING_STEPS = 16, 16
#: Names of the Keras layers that only act while training (besides ``augment_*`` layers).
TRAINING_ONLY_LAYERS = (
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "AlphaDropout",
    "GaussianDropout",
    "GaussianNoise",
    "ActivityRegularization",
    "RandomTranslation",
    "RandomRotation",
    "RandomFlip",
    "RandomZoom",
    "RandomContrast",
    "RandomBrightness",
)


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    """One named input or output of an export: ``shape`` has ``None`` for a free size."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}


@dataclasses.dataclass(frozen=True)
class InferenceModel:
    """What an export holds, and how to check it.

    Attributes:
        model: a Keras model taking ``inputs`` (one tensor, or a list in that order) and
            returning ``outputs`` (one tensor, or a list in that order).
        inputs, outputs: the names, shapes and dtypes of the export's signature.
        kind: ``supervised``, ``stepping`` (a character model run step by step) or
            ``policy`` (a DQN's Q-network).
        examples: batches for the parity check, each a tuple of arrays (one per input).
        examples_from: where the examples came from, in words.
        removed: names of the training-only layers left out.
        name: the export's name (the recipe's, or the model's).
        decision: ``"argmax"`` / ``"argmin"`` when the first output's rows decide a class or
            an action that way (parity also counts agreeing decisions), else ``None``.
        notes: what a user must know to feed the artifact and read its outputs.
    """

    model: Any
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]
    kind: str
    examples: tuple[tuple[np.ndarray, ...], ...]
    examples_from: str
    removed: tuple[str, ...]
    name: str
    decision: str | None = None
    notes: tuple[str, ...] = ()

    def predict(self, arrays) -> list[np.ndarray]:
        """The Keras model's outputs (inference mode) on one batch of inputs, as arrays."""
        import keras

        arrays = [np.asarray(a) for a in arrays]
        outputs = self.model(arrays[0] if len(arrays) == 1 else arrays, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return [np.asarray(keras.ops.convert_to_numpy(o)) for o in outputs]


# ----------------------------------------------------------------------------- stripping


def is_training_only(layer) -> bool:
    """Whether ``layer`` acts only while training (augmentation, dropout, noise)."""
    return layer.name.startswith("augment_") or type(layer).__name__ in TRAINING_ONLY_LAYERS


def strip_training_layers(model):
    """``(model without its training-only layers, names of the layers removed)``.

    The graph is rebuilt with :func:`keras.models.clone_model` over the *same* layer
    objects (no weights are copied, so outputs are identical), nested models included;
    a removed layer's output is its input. A layer of a nested ``Sequential`` model
    (which has no graph to rebuild) is replaced by ``Identity`` instead.
    """
    import keras

    removed: list[str] = []
    stand_ins: list[Any] = []

    def clone(layer):
        if isinstance(layer, keras.Model) or not is_training_only(layer):
            return layer  # shared: the trained weights, not copies
        removed.append(layer.name)
        stand_in = keras.layers.Identity(name=layer.name)
        stand_ins.append(stand_in)
        return stand_in

    def call(layer, *args, **kwargs):
        if any(layer is stand_in for stand_in in stand_ins):
            return args[0]  # (batch, ...) unchanged: the removed layer is skipped
        return layer(*args, **kwargs)

    if isinstance(model, keras.Sequential):
        stripped = keras.models.clone_model(model, clone_function=clone, recursive=True)
    else:
        stripped = keras.models.clone_model(
            model, clone_function=clone, call_function=call, recursive=True
        )
    return stripped, tuple(removed)


def check_float32(model, what: str) -> None:
    """Refuse a model whose layers compute in another dtype than float32.

    Raises:
        RecipeError: naming the first such layer and its policy (a mixed-precision run).
    """
    for layer in _all_layers(model):
        policy = getattr(layer, "dtype_policy", None)
        compute = getattr(policy, "compute_dtype", "float32")
        if compute not in ("float32", None) and not layer.name.startswith("outputs_float32"):
            raise RecipeError(
                f"{what} computes in {compute} (layer {layer.name!r}, policy "
                f"{getattr(policy, 'name', policy)!r}: a mixed-precision run); export supports "
                "float32 models: retrain with train.mixed_precision=false"
            )


def _all_layers(model):
    import keras

    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def _tensor_info(name: str, tensor) -> TensorInfo:
    import keras

    shape = tuple(None if d is None else int(d) for d in tensor.shape)
    return TensorInfo(name, shape, keras.backend.standardize_dtype(tensor.dtype))


def from_keras(model, examples, *, name: str | None = None, decision: str | None = None):
    """The :class:`InferenceModel` of any single-input, single-output Keras model.

    Args:
        model: a built Keras model (its training-only layers are stripped).
        examples: inputs ``(n, *input_shape)`` for the parity check (batches of 64).
        name: the export's name (default: the model's).
        decision: ``"argmax"`` or ``"argmin"`` to count agreeing decisions too.
    """
    check_float32(model, f"model {model.name!r}")
    stripped, removed = strip_training_layers(model)
    if len(stripped.inputs) != 1 or len(stripped.outputs) != 1:
        raise RecipeError(
            f"from_keras takes a model with one input and one output. Received: "
            f"{len(stripped.inputs)} inputs, {len(stripped.outputs)} outputs"
        )
    x = np.asarray(examples, dtype=stripped.inputs[0].dtype)
    return InferenceModel(
        model=stripped,
        inputs=(_tensor_info("inputs", stripped.inputs[0]),),
        outputs=(_tensor_info("outputs", stripped.outputs[0]),),
        kind="supervised",
        examples=tuple((x[i : i + 64],) for i in range(0, len(x), 64)),
        examples_from=f"{len(x)} given examples",
        removed=removed,
        name=name or model.name,
        decision=decision,
    )


# ----------------------------------------------------------------------------- the run


def read_recipe(run_dir: Path) -> Recipe:
    """The resolved recipe of a run directory (``recipe.toml``, data only)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RecipeError(f"export expects a run directory. Received: {str(run_dir)!r}")
    if not (run_dir / "recipe.toml").is_file():
        raise RecipeError(
            f"export expects a run directory holding recipe.toml. Received: {str(run_dir)!r}"
        )
    return recipe_from_toml(run_dir / "recipe.toml")


def model_file(run_dir: str | Path, recipe: Recipe | None = None) -> Path:
    """The saved Keras model an export of ``run_dir`` reads, checked to exist.

    ``model.keras`` for a supervised run, ``best/model.keras`` (the greedy policy's
    Q-network) for a DQN run.

    Raises:
        RecipeError: not a run directory, no saved model, a tabular Q-learning run (its
            policy is a table, not a network) or another task.
    """
    run_dir = Path(run_dir)
    recipe = recipe or read_recipe(run_dir)
    if recipe.task == "rl":
        agent = recipe.agent
        algorithm = agent.algorithm if agent is not None else None
        if algorithm == "q_learning":
            raise RecipeError(
                "export takes supervised runs and DQN's policy network; a tabular Q-learning "
                f"run has none: its policy is the table {str(run_dir / 'best' / 'q_table.npy')!r}"
                " (the greedy action is the argmax of a row)"
            )
        if algorithm != "dqn":
            raise RecipeError(
                f"export takes supervised runs and DQN's policy network. Received: "
                f"agent.algorithm={algorithm!r}"
            )
        path = run_dir / "best" / "model.keras"
    elif recipe.task == "supervised":
        path = run_dir / "model.keras"
    else:
        raise RecipeError(
            f"export takes supervised and DQN runs. Received: {recipe.name!r} has task = "
            f"{recipe.task!r} (it saves no model)"
        )
    if not path.is_file():
        raise RecipeError(
            f"no saved model to export: {str(path)!r} does not exist (is the run completed?)"
        )
    return path


def load_inference(run_dir: str | Path, examples: int = DEFAULT_EXAMPLES) -> InferenceModel:
    """The :class:`InferenceModel` of a run directory (see the module docstring).

    Args:
        run_dir: a run directory written by ``python -m recipes run``.
        examples: at most this many test examples (observations for a policy) to check.

    Raises:
        RecipeError: no run directory, no saved model, a tabular Q-learning run (no
            network), a mixed-precision model, data that cannot be loaded.
    """
    if int(examples) < 1:
        raise RecipeError(f"--examples must be >= 1. Received: {examples}")
    run_dir = Path(run_dir)
    recipe = read_recipe(run_dir)
    path = model_file(run_dir, recipe)
    saved = _load_model(path)
    check_float32(saved, repr(str(path)))
    model, removed = strip_training_layers(saved)
    if recipe.task == "rl":
        return _policy(model, removed, recipe, int(examples))
    return _supervised(model, removed, recipe, int(examples))


def _load_model(path: Path):
    from dlrecipes.models.build import load_saved_model

    return load_saved_model(path, compile=False)


def _supervised(model, removed, recipe: Recipe, count: int) -> InferenceModel:
    from dlrecipes import data as data_sources

    splits = data_sources.load(recipe.data, seed=recipe.seed)
    x = splits.x_test if len(splits.x_test) else splits.x_val
    where = "test" if len(splits.x_test) else "validation"
    if recipe.model.builder == "char_language_model":
        return _stepping(model, removed, recipe, x[:count], where)
    expected = tuple(model.input_shape[1:])
    if tuple(x.shape[1:]) != expected:
        raise RecipeError(
            f"the model expects inputs of shape {expected}; the run's data gives "
            f"{tuple(x.shape[1:])}: was recipe.toml edited after the run?"
        )
    x = np.asarray(x[:count], dtype=model.inputs[0].dtype)
    batches = tuple((x[i : i + 64],) for i in range(0, len(x), 64))
    data = recipe.data
    notes = [
        f"input: one {expected} example per row, as the recipe prepares it: source "
        f"{data.source!r}, scale {data.scale!r}"
        + (f", image_size {data.image_size}" if data.image_size else "")
        + (f", padded to {data.pad_to}" if data.pad_to else "")
        + ("; standardisation is inside the model" if data.standardize else ""),
        _output_note(recipe, splits),
    ]
    return InferenceModel(
        model=model,
        inputs=(_tensor_info("inputs", model.inputs[0]),),
        outputs=(_tensor_info("outputs", model.outputs[0]),),
        kind="supervised",
        examples=batches,
        examples_from=f"{len(x)} {where} examples of {data.source!r}",
        removed=removed,
        name=recipe.name,
        decision=_decision(recipe, splits),
        notes=tuple(notes),
    )


def _decision(recipe: Recipe, splits) -> str | None:
    if recipe.train.loss == "rbf_map":
        return "argmin"  # RBF penalties: the closest prototype is the class
    return "argmax" if splits.task == "classification" and splits.num_classes > 1 else None


def _output_note(recipe: Recipe, splits) -> str:
    if recipe.train.loss == "rbf_map":
        return "outputs: RBF penalties per class; the predicted class is their argmin"
    if splits.task == "classification":
        return f"outputs: scores of the {splits.num_classes} classes; the prediction is argmax"
    return f"outputs: {splits.num_outputs} regression value(s)"


def _stepping(model, removed, recipe: Recipe, windows: np.ndarray, where: str) -> InferenceModel:
    """A character model's stepping model and teacher-forced steps of test windows."""
    import keras

    from dlrecipes.reports.text import stepping_model

    flat, sizes = stepping_model(model)  # (ids, *states) -> (probabilities, *new states)
    ids, states = flat.inputs[0], flat.inputs[1:]
    windows = np.asarray(windows[:16], dtype="int32")  # (windows, T)
    prompt = min(STEPPING_PROMPT, windows.shape[1] - 1)
    steps = min(STEPPING_STEPS, windows.shape[1] - prompt)
    zeros = [np.zeros((len(windows), size), np.float32) for size in sizes]
    batches = [(windows[:, :prompt], *zeros)]  # the prompt, from zero states
    for k in range(steps):  # then one character at a time, carrying Keras' states
        out = flat([np.asarray(b) for b in batches[-1]], training=False)
        states_t = [np.asarray(keras.ops.convert_to_numpy(s)) for s in out[1:]]
        batches.append((windows[:, prompt + k : prompt + k + 1], *states_t))
    inputs = (
        _tensor_info("ids", ids),
        *(_tensor_info(f"state_{i}", s) for i, s in enumerate(states)),
    )
    output_infos = (
        _tensor_info("probabilities", flat.outputs[0]),
        *(_tensor_info(f"new_state_{i}", s) for i, s in enumerate(flat.outputs[1:])),
    )
    return InferenceModel(
        model=flat,
        inputs=inputs,
        outputs=output_infos,
        kind="stepping",
        examples=tuple(batches),
        examples_from=(
            f"{len(windows)} {where} windows: a {prompt}-character prompt from zero states, "
            f"then {len(batches) - 1} single steps carrying the Keras model's states"
        ),
        removed=removed,
        name=recipe.name,
        notes=(
            "ids: character ids (batch, time), any length; states: zeros to start, then the "
            "new states of the previous call",
            "probabilities: (batch, time, vocabulary) next-character distributions",
        ),
    )


def _policy(model, removed, recipe: Recipe, count: int) -> InferenceModel:
    """A DQN run's Q-network and observations of its environment."""
    agent = recipe.agent
    observations = environment_observations(model, agent.env_id, agent.env_options, count, recipe)
    batches = tuple((observations[i : i + 64],) for i in range(0, len(observations), 64))
    return InferenceModel(
        model=model,
        inputs=(_tensor_info("observation", model.inputs[0]),),
        outputs=(_tensor_info("q_values", model.outputs[0]),),
        kind="policy",
        examples=batches,
        examples_from=f"{len(observations)} observations of {agent.env_id} (epsilon-greedy play)",
        removed=removed,
        name=recipe.name,
        decision="argmax",
        notes=(
            f"observation: one {agent.env_id} observation per row, float32",
            "q_values: one value per action; the greedy action is their argmax",
        ),
    )


def environment_observations(model, env_id: str, env_options, count: int, recipe) -> np.ndarray:
    """``count`` observations ``(count, *shape)`` float32 met by playing the Q-network
    ``model`` epsilon-greedily (epsilon 0.3) in ``env_id``, seeded by the recipe."""
    import keras

    from dlrecipes.rl.envs import make_env

    rng = np.random.default_rng(recipe.seed)
    env = make_env(env_id, dict(env_options))
    observations = []
    try:
        observation, _ = env.reset(seed=recipe.seed)
        episode = 0
        while len(observations) < count:
            observation = np.asarray(observation, np.float32)
            observations.append(observation)
            q_values = keras.ops.convert_to_numpy(model(observation[None], training=False))
            if rng.random() < 0.3:
                action = int(rng.integers(env.action_space.n))
            else:
                action = int(np.argmax(q_values[0]))
            observation, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                episode += 1
                observation, _ = env.reset(seed=recipe.seed + episode)
    finally:
        env.close()
    return np.stack(observations)


def describe(inference: InferenceModel) -> dict[str, Any]:
    """A JSON-ready description of the export's signature (written beside the artifact)."""
    return {
        "name": inference.name,
        "kind": inference.kind,
        "inputs": [i.as_dict() for i in inference.inputs],
        "outputs": [o.as_dict() for o in inference.outputs],
        "removed_layers": list(inference.removed),
        "notes": list(inference.notes),
    }


def signature_json(inference: InferenceModel) -> str:
    return json.dumps(describe(inference), indent=2)
