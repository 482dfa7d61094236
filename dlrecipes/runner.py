"""One entry point for every recipe: ``run(recipe) -> RunResult``.

Everything ``python -m recipes run`` does is this call::

    >>> import dlrecipes
    >>> result = dlrecipes.run("mlp", profile="smoke", overrides=["train.epochs=2"])
    >>> result.metrics["test"]["accuracy"], result.run_dir

The flow is one-way: resolve the recipe -> load data -> build the model ->
compile and fit -> evaluate on the test split -> save ``model.keras``, plots and
``metrics.json``. Everything a user can get wrong (recipe keys, data source,
builder options) is checked *before* the run directory is created, so a failed
start leaves nothing behind; ``metrics.json`` is written last and only on
success.

Run directory: ``OUT/<recipe>/<YYYYmmdd-HHMMSS>-s<seed>[-k]/`` holding
``recipe.toml``, ``history.csv``, ``metrics.json``, ``model.keras``,
``plots/*.png``, ``tensorboard/``.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dlrecipes import registry  # noqa: E402
from dlrecipes.recipe import (  # noqa: E402
    Recipe,
    RecipeError,
    recipe_from_toml,
    recipe_to_toml,
    resolve,
)


@dataclass
class RunResult:
    """What a run produced.

    Attributes:
        run_dir: the run directory.
        recipe: the resolved recipe.
        metrics: the content of ``metrics.json``.
        history: per-epoch values (``loss``, ``val_accuracy``, ...).
        model: the trained ``keras.Model`` (``None`` for RL runs).
    """

    run_dir: Path
    recipe: Recipe
    metrics: dict[str, Any]
    history: dict[str, list[float]] = field(default_factory=dict)
    model: Any = None

    @property
    def reached(self) -> bool | None:
        """Whether the recipe's expectation was met."""
        return self.metrics.get("expect", {}).get("reached")


# ----------------------------------------------------------------------------- helpers


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on."""
    import importlib.metadata as metadata

    out = {"python": platform.python_version()}
    for package in ("keras", "tensorflow", "jax", "numpy", "scikit-learn", "gymnasium"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return out


def make_run_dir(out: str | Path, name: str, seed: int, prefix: str = "") -> Path:
    """A new directory ``out/name/<prefix><timestamp>-s<seed>``; never reuses an existing one."""
    base = Path(out) / name
    base.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        suffix = "" if attempt == 1 else f"-{attempt}"
        candidate = base / f"{prefix}{stamp}-s{seed}{suffix}"
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise RuntimeError(f"could not create a new {prefix}directory under {base}")


def builder_kwargs(builder, options: dict, splits) -> dict[str, Any]:
    """The builder's keyword arguments: recipe options plus shapes from the data.

    Unknown option names are a one-line error listing the builder's parameters.
    """
    import difflib

    parameters = inspect.signature(builder).parameters
    for key in options:
        if key not in parameters:
            close = difflib.get_close_matches(key, parameters, n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise RecipeError(
                f"model builder {builder.__name__!r} has no option {key!r}.{hint} "
                f"Expected one of: {', '.join(p for p in parameters if p != 'name')}"
            )
    kwargs = dict(options)
    if splits is not None:
        from_data = {
            "input_shape": splits.input_shape,
            "num_classes": splits.num_classes,
            "num_outputs": splits.num_outputs,
        }
        for key, value in from_data.items():
            if key in parameters and key not in kwargs:
                kwargs[key] = value
    return {
        k: list(v) if isinstance(v, tuple) and k != "input_shape" else v for k, v in kwargs.items()
    }


def build_model(recipe: Recipe, splits):
    """Build the recipe's model, wrapped with augmentation and standardisation layers.

    The wrapper is ``Input -> [RandomTranslation, RandomRotation] -> [Normalization
    adapted on the training split] -> builder's model [-> float32 outputs under mixed
    precision]``, so ``model.keras`` takes raw (scaled) inputs.
    """
    import keras

    from dlrecipes import models

    if recipe.train.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    else:
        keras.mixed_precision.set_global_policy("float32")
    try:
        builder = models.get(recipe.model.builder)
    except ValueError as error:
        raise RecipeError(str(error)) from None
    kwargs = builder_kwargs(builder, recipe.model.options, splits)
    try:
        base = builder(**kwargs)
    except (ValueError, TypeError) as error:
        raise RecipeError(f"model builder {recipe.model.builder!r}: {error}") from None
    expected = tuple(base.input_shape[1:]) if not isinstance(base.input_shape, list) else None
    if expected is not None and tuple(expected) != tuple(splits.input_shape):
        raise RecipeError(
            f"model {recipe.model.builder!r} expects inputs of shape {expected}; data "
            f"{splits.source!r} gives {splits.input_shape} (adjust data.pad_to / data.image_size "
            "/ data.layout or the builder's input_shape)"
        )
    data = recipe.data
    mixed = recipe.train.mixed_precision
    if not (data.standardize or data.augment_shift or data.augment_rotation or mixed):
        return base
    inputs = keras.Input(shape=splits.input_shape, name="inputs")
    x = inputs
    if data.augment_shift:
        x = keras.layers.RandomTranslation(
            data.augment_shift, data.augment_shift, fill_mode="constant", name="augment_shift"
        )(x)
    if data.augment_rotation:
        x = keras.layers.RandomRotation(
            data.augment_rotation, fill_mode="constant", name="augment_rotation"
        )(x)
    if data.standardize:
        normalization = keras.layers.Normalization(axis=-1, name="standardize")
        normalization.adapt(splits.x_train)
        x = normalization(x)
    outputs = base(x)
    if mixed:  # compute the loss from float32 outputs (Keras mixed-precision guide)
        outputs = keras.layers.Activation("linear", dtype="float32", name="outputs_float32")(
            outputs
        )
    return keras.Model(inputs, outputs, name=base.name)


def parameter_counts(model) -> dict[str, int]:
    """Trainable and non-trainable parameter counts."""
    import numpy as np

    def count(weights):
        return int(sum(np.prod(w.shape) for w in weights))

    return {
        "trainable": count(model.trainable_weights),
        "non_trainable": count(model.non_trainable_weights),
    }


def predicted_classes(outputs, loss: str):
    """Class predictions from model outputs: argmin for RBF distances, threshold for sigmoid."""
    import numpy as np

    outputs = np.asarray(outputs)
    if loss == "rbf_map":
        return outputs.argmin(axis=-1)
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        return (outputs.reshape(-1) > 0.5).astype("int32")
    return outputs.argmax(axis=-1)


def classification_report(y_true, y_pred, class_names) -> dict[str, Any]:
    """Accuracy, per-class precision / recall / F1 and the confusion matrix."""
    import numpy as np
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    labels = list(range(len(class_names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return {
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))),
        "per_class": {
            name: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for name, p, r, f, s in zip(class_names, precision, recall, f1, support)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def evaluate_model(model, splits, recipe: Recipe, split: str = "test") -> dict[str, Any]:
    """``model.evaluate`` on a split, plus a classification report for classifiers."""
    x, y = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
    metrics = model.evaluate(x, y, batch_size=256, verbose=0, return_dict=True)
    metrics = {k: float(v) for k, v in metrics.items()}
    report = None
    if splits.task == "classification":
        outputs = model.predict(x, batch_size=256, verbose=0)
        report = classification_report(
            y, predicted_classes(outputs, recipe.train.loss), splits.class_names
        )
    return {"metrics": metrics, "report": report}


def _expectation(
    recipe: Recipe, test_metrics: dict[str, float], applies: bool = True
) -> dict[str, Any]:
    expect = recipe.expect
    value = test_metrics.get(expect.metric)
    return {
        "applies": applies,
        "metric": expect.metric,
        "threshold": expect.threshold,
        "higher_is_better": expect.higher_is_better,
        "data": expect.data,
        "budget": expect.budget,
        "value": value,
        "reached": None if value is None or not applies else bool(expect.reached(value)),
    }


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    tmp.replace(path)


def summary_line(result: RunResult) -> str:
    """The one-paragraph report printed after a run."""
    m = result.metrics
    expect = m.get("expect", {})
    value = expect.get("value")
    if value is not None:
        sign = ">=" if expect.get("higher_is_better", True) else "<="
        verdict = "REACHED" if expect.get("reached") else "NOT reached"
        if not expect.get("applies", True):
            verdict = "not applicable: this run used other data"
        head = (
            f"{result.recipe.name}: test {expect['metric']} = {value:.4f} "
            f"(expect {sign} {expect['threshold']} on {expect.get('data') or 'its data'}: "
            f"{verdict})"
        )
    else:
        head = f"{result.recipe.name}: done"
    speed = m.get("steps_per_second")
    tail = f"wall {m.get('wall_time_s', 0):.1f} s"
    if speed:
        tail += f", {speed:.0f} steps/s"
    return f"{head}\n  {tail}; run directory: {result.run_dir}"


# ----------------------------------------------------------------------------- run


def prepare_recipe(
    recipe: str | Path | Recipe,
    *,
    profile: str | None = None,
    config: str | Path | dict | None = None,
    overrides=(),
    seed: int | None = None,
) -> Recipe:
    """Find and resolve a recipe: defaults -> profile -> config file -> overrides -> seed."""
    return resolve(
        registry.find(recipe), profile=profile, config=config, overrides=overrides, seed=seed
    )


def expectation_applies(base: Recipe, resolved: Recipe, profile: str | None = None) -> bool:
    """Whether the recipe's expectation judges this run.

    It is stated for the default profile on the recipe's own task: the same source,
    source options (e.g. the adding problem's length ``T``), example limit and test
    split. A profile or a change to any of those makes it inapplicable unless the
    expectation was restated too (as the CNN recipes' ``mnist8k`` profiles do).
    Preprocessing and training changes (augmentation, learning rate, epochs, the
    validation split: ``tune --retrain-best`` trains on train + validation) are
    still judged: they are what a user tries in order to reach it.
    """
    if resolved.expect != base.expect:
        return True
    return profile is None and _task_data(resolved) == _task_data(base)


def _task_data(recipe: Recipe) -> tuple:
    """The data fields that define the task an expectation is stated for."""
    data = recipe.data
    return (data.source, data.options, data.limit, data.test_fraction)


def run(
    recipe: str | Path | Recipe,
    *,
    profile: str | None = None,
    smoke: bool = False,
    config: str | Path | dict | None = None,
    overrides=(),
    seed: int | None = None,
    out: str | Path = "runs",
    resume: str | Path | None = None,
    verbose: str | int = "auto",
) -> RunResult:
    """Train, evaluate and save one recipe.

    Args:
        recipe: a built-in name (``"mlp"``), a path to a ``.toml`` / ``.py`` recipe, or
            a :class:`Recipe`.
        profile: a profile name (``"smoke"``); ``smoke=True`` is the same as ``profile="smoke"``.
        config: a TOML file (or mapping) of overrides shaped like a recipe.
        overrides: ``"a.b=value"`` strings or a mapping of dotted paths to values.
        seed: replaces the recipe's seed.
        out: the root of run directories.
        resume: an interrupted run directory to continue (its saved recipe is used).
        verbose: Keras progress output (``"auto"``, 0, 1, 2).

    Returns:
        A :class:`RunResult`.

    Raises:
        RecipeError: bad recipe, override, data source or builder option (nothing written).
    """
    started = time.perf_counter()
    if resume is not None:
        run_dir = Path(resume)
        if not (run_dir / "recipe.toml").is_file():
            raise RecipeError(
                f"--resume expects a run directory holding recipe.toml. Received: {str(run_dir)!r}"
            )
        resolved = resolve(recipe_from_toml(run_dir / "recipe.toml"), overrides=overrides)
        applies = True
    else:
        base = registry.find(recipe)
        resolved = prepare_recipe(
            base,
            profile="smoke" if smoke else profile,
            config=config,
            overrides=overrides,
            seed=seed,
        )
        applies = expectation_applies(base, resolved, "smoke" if smoke else profile)
        run_dir = None
    if resolved.task == "rl":
        return _run_agent(resolved, run_dir, out, started, resume is not None, applies)
    if resolved.task == "custom":
        return _run_custom(resolved, run_dir, out, started, applies)
    return _run_supervised(resolved, run_dir, out, started, resume is not None, verbose, applies)


def _common_metrics(recipe: Recipe, run_dir: Path) -> dict[str, Any]:
    import keras

    from dlrecipes.training import device_name

    return {
        "recipe": recipe.name,
        "status": "completed",
        "seed": recipe.seed,
        "backend": keras.backend.backend(),
        "jit_compile": recipe.train.jit_compile,
        "mixed_precision": recipe.train.mixed_precision,
        "device": device_name(),
        "versions": versions(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "run_dir": str(run_dir),
        "finished_at": datetime.now().isoformat(timespec="seconds"),
    }


def _fail(run_dir: Path | None, error: BaseException) -> None:
    if run_dir is not None and run_dir.exists():
        (run_dir / "FAILED.txt").write_text(f"{type(error).__name__}: {error}\n")


def _run_supervised(recipe, run_dir, out, started, resumed, verbose, applies) -> RunResult:
    from dlrecipes import data as data_sources
    from dlrecipes import plots, reports
    from dlrecipes.training import compile_model, fit, set_seed

    reports.validate(recipe.reports)
    set_seed(recipe.seed, recipe.train.jit_compile)
    splits = data_sources.load(recipe.data, seed=recipe.seed)
    model = build_model(recipe, splits)
    compile_model(model, recipe.train, len(splits.x_train))
    if run_dir is None:
        run_dir = make_run_dir(out, recipe.name, recipe.seed)
        (run_dir / "recipe.toml").write_text(recipe_to_toml(recipe))
    try:
        print(f"[{recipe.name}] {splits.summary()}", flush=True)
        result = fit(model, splits, recipe.train, run_dir, resume=resumed, verbose=verbose)
        test = evaluate_model(model, splits, recipe, "test")
        model.save(run_dir / "model.keras")
        (run_dir / "plots").mkdir(exist_ok=True)
        plots.learning_curves(
            result.history, run_dir / "plots" / "learning_curves.png", title=recipe.name
        )
        report = test["report"]
        if report is not None:
            import numpy as np

            plots.confusion_matrix(
                np.array(report["confusion_matrix"]),
                splits.class_names,
                run_dir / "plots" / "confusion_matrix.png",
                title=f"{recipe.name}: confusion matrix (test)",
            )
        extra = reports.run_all(recipe.reports, model, splits, recipe, run_dir)
        last = {k: v[-1] for k, v in result.history.items() if v}
        metrics = {
            **_common_metrics(recipe, run_dir),
            "test": test["metrics"],
            "val": {k[4:]: v for k, v in last.items() if k.startswith("val_")},
            "train": {k: v for k, v in last.items() if not k.startswith("val_")},
            "classification": report,
            "expect": _expectation(recipe, test["metrics"], applies),
            "reports": extra,
            # what Keras actually compiled with (layers such as RandomRotation turn XLA off)
            "jit_compile": bool(getattr(model, "jit_compile", recipe.train.jit_compile)),
            "parameters": parameter_counts(model),
            "data": {
                "source": splits.source,
                "train": len(splits.x_train),
                "val": len(splits.x_val),
                "test": len(splits.x_test),
                "input_shape": list(splits.input_shape),
                "image_size": splits.extras.get("image_size"),
            },
            "epochs_run": result.epochs_run,
            "steps": result.steps,
            "fit_time_s": round(result.fit_seconds, 3),
            "steps_per_second": round(result.steps_per_second, 2),
            "wall_time_s": round(time.perf_counter() - started, 3),
        }
        _write_json(run_dir / "metrics.json", metrics)
    except BaseException as error:
        _fail(run_dir, error)
        raise
    return RunResult(run_dir, recipe, metrics, result.history, model)


def _run_agent(recipe, run_dir, out, started, resumed, applies) -> RunResult:
    from dlrecipes import rl

    if recipe.agent is None:
        raise RecipeError(f"recipe {recipe.name!r} has task='rl' but no agent")
    if run_dir is None:
        validate = getattr(rl, "validate", None)
        if validate is not None:
            validate(recipe)  # bad env ids and options fail before anything is written
        run_dir = make_run_dir(out, recipe.name, recipe.seed)
        (run_dir / "recipe.toml").write_text(recipe_to_toml(recipe))
    try:
        agent_metrics = rl.train_agent(recipe, run_dir, resume=resumed)
        metrics = {
            **_common_metrics(recipe, run_dir),
            "test": agent_metrics,
            "expect": _expectation(recipe, agent_metrics, applies),
            "steps_per_second": agent_metrics.get("steps_per_second"),
            "wall_time_s": round(time.perf_counter() - started, 3),
        }
        _write_json(run_dir / "metrics.json", metrics)
    except BaseException as error:
        _fail(run_dir, error)
        raise
    return RunResult(run_dir, recipe, metrics)


def _run_custom(recipe, run_dir, out, started, applies) -> RunResult:
    """``task = "custom"``: ``recipe.experiment`` names a function
    ``(recipe, run_dir) -> metrics`` in :mod:`dlrecipes.experiments`."""
    from dlrecipes import experiments

    function = experiments.get(recipe.experiment)
    if run_dir is None:
        run_dir = make_run_dir(out, recipe.name, recipe.seed)
        (run_dir / "recipe.toml").write_text(recipe_to_toml(recipe))
    try:
        from dlrecipes.training import set_seed

        set_seed(recipe.seed, recipe.train.jit_compile)
        (run_dir / "plots").mkdir(exist_ok=True)
        results = function(recipe, run_dir)
        metrics = {
            **_common_metrics(recipe, run_dir),
            "test": results,
            "expect": _expectation(recipe, results, applies),
            "wall_time_s": round(time.perf_counter() - started, 3),
        }
        _write_json(run_dir / "metrics.json", metrics)
    except BaseException as error:
        _fail(run_dir, error)
        raise
    return RunResult(run_dir, recipe, metrics)


# ----------------------------------------------------------------------------- evaluate


def load_run_model(run_dir: Path):
    """Load a run's ``model.keras`` with dlrecipes' custom objects registered."""
    import keras

    import dlrecipes.layers  # noqa: F401  (registers custom layers)
    import dlrecipes.training  # noqa: F401  (registers schedules)

    for optional in ("dlrecipes.losses", "dlrecipes.metrics"):
        try:
            __import__(optional)
        except ImportError:
            pass
    path = run_dir / "model.keras"
    if not path.is_file():
        raise RecipeError(f"no model.keras in {str(run_dir)!r}: was the run completed?")
    return keras.saving.load_model(path)


def _trained_image_size(run_dir: Path) -> int | None:
    try:
        data = json.loads((run_dir / "metrics.json").read_text())["data"]
        return int(data["image_size"]) if data.get("image_size") else None
    except (OSError, KeyError, ValueError):
        return None


def evaluate(run_dir: str | Path, data: str | None = None, split: str = "test") -> dict[str, Any]:
    """Evaluate a saved run's model on its test split or on another data source.

    The recipe's own preprocessing is applied to the other source; images are resized
    to the model's input size when they differ (e.g. 8x8 digits for an MNIST model).

    Returns:
        ``{"run_dir", "data", "examples", "metrics", "classification"}``.
    """
    from dlrecipes import data as data_sources
    from dlrecipes.training import compile_model

    run_dir = Path(run_dir)
    if not (run_dir / "recipe.toml").is_file():
        raise RecipeError(
            f"evaluate expects a run directory holding recipe.toml. Received: {str(run_dir)!r}"
        )
    recipe = recipe_from_toml(run_dir / "recipe.toml")
    if recipe.task != "supervised":
        raise RecipeError(
            f"evaluate works on supervised runs; {recipe.name!r} is a {recipe.task} recipe"
        )
    model = load_run_model(run_dir)
    spec = recipe.data
    if data is not None:
        spec = dataclasses.replace(spec, source=data, options={}, limit=0)
    splits = data_sources.load(spec, seed=recipe.seed)
    expected = tuple(model.input_shape[1:])
    if splits.input_shape != expected and len(expected) == 3 and len(splits.input_shape) == 3:
        # Another image source: resize to the size the model was trained on (before padding).
        trained = _trained_image_size(run_dir) or expected[0]
        spec = dataclasses.replace(spec, image_size=trained)
        splits = data_sources.load(spec, seed=recipe.seed)
    if splits.input_shape != expected:
        raise RecipeError(
            f"the model expects inputs of shape {expected}; {spec.source!r} gives "
            f"{splits.input_shape} after the recipe's preprocessing"
        )
    compile_model(model, recipe.train, len(splits.x_train))
    result = evaluate_model(model, splits, recipe, split)
    return {
        "run_dir": str(run_dir),
        "data": spec.source,
        "split": split,
        "examples": int(len(getattr(splits, f"x_{split}"))),
        "metrics": result["metrics"],
        "classification": result["report"],
    }
