"""The lecture notebooks' one switch: the class setting or a fast smoke setting.

Every notebook in ``notebooks/`` starts with::

    from dlrecipes.notebook import Notebook

    nb = Notebook("03_cnn_lenet5")
    nb  # prints the setting and the output directory

and then calls ``nb.run`` / ``nb.compare`` / ``nb.tune`` instead of
``dlrecipes.run`` / ``dlrecipes.runs.compare`` / ``dlrecipes.tuning.tune``:

- **class setting** (the default): the recipe's own configuration, plus the
  ``lighter`` overrides a notebook states in the call (so that a notebook runs in
  a few minutes on 2 CPU cores);
- **smoke setting**, when the environment variable ``DLRECIPES_NOTEBOOK_SMOKE``
  is ``1``: every run uses the recipe's ``smoke`` profile (``lighter`` is
  ignored) and searches use ``smoke_trials`` trials. The tests execute every
  notebook this way in seconds.

``overrides`` apply in both settings (after the profile): they say *what* to run
(``{"model.options.activation": "sigmoid"}``); ``lighter`` says how much less of
it to run in class.

Keras progress bars are turned off (``train.verbose = 0``) so that a stored
notebook stays small; the library's plots are shown with :meth:`Notebook.show`.
Like the command line, a notebook works from the repository root: ``Notebook``
changes into it, so a recipe's data paths (``../shared/data/...``) mean the same
as in ``python -m recipes run``. Runs are written under
``runs/notebooks/<notebook>/`` (``runs/`` is git-ignored), or under
``$DLRECIPES_NOTEBOOK_OUT/<notebook>/`` when that is set. ``nb.run(name,
profile="shakespeare")`` uses a named profile in the class setting (the smoke
setting always uses ``smoke``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The environment variable that selects the smoke setting (``1``) or the class setting.
SMOKE_ENV = "DLRECIPES_NOTEBOOK_SMOKE"
#: The environment variable that replaces the root of the notebooks' run directories.
OUT_ENV = "DLRECIPES_NOTEBOOK_OUT"

#: The key of a displayed plot's ``"<recipe>/<file>.png"`` label in the output metadata.
PLOT_KEY = "dlrecipes_plot"

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def smoke_mode(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``DLRECIPES_NOTEBOOK_SMOKE`` asks for the smoke setting.

    ``1`` / ``true`` / ``yes`` / ``on`` select it; unset, empty, ``0`` / ``false`` /
    ``no`` / ``off`` select the class setting; anything else is a ``ValueError``.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(SMOKE_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{SMOKE_ENV} must be 1 (smoke setting) or 0 / unset (class setting). "
        f"Received: {SMOKE_ENV}={environ.get(SMOKE_ENV)!r}"
    )


def plot_label(path: str | Path) -> str:
    """``"<recipe>/<file>.png"`` for a plot of a run, compare or search directory.

    ``.../lenet5/<run>/plots/feature_maps.png`` -> ``"lenet5/feature_maps.png"``;
    ``.../optimizers/compare-<stamp>/plots/compare_loss.png`` -> ``"optimizers/compare_loss.png"``.
    """
    path = Path(path)
    run_dir = path.parent.parent if path.parent.name == "plots" else path.parent
    return f"{run_dir.parent.name}/{path.name}"


def _repository_root(start: Path) -> Path:
    """The first of ``start`` and its parents holding ``pyproject.toml`` and ``recipes/``."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "recipes").is_dir():
            return folder
    return start


def default_out(name: str, environ: Mapping[str, str] | None = None) -> Path:
    """``$DLRECIPES_NOTEBOOK_OUT/<name>`` or ``<repository>/runs/notebooks/<name>``.

    The default is relative to the working directory (``../runs/notebooks/<name>``
    from ``notebooks/``), so stored outputs name no machine's absolute paths.
    """
    environ = os.environ if environ is None else environ
    if environ.get(OUT_ENV):
        return Path(environ[OUT_ENV]) / name
    here = Path.cwd().resolve()
    return Path(os.path.relpath(_repository_root(here) / "runs" / "notebooks" / name, here))


def changed_settings(recipe) -> list[str]:
    """The dotted paths in which ``recipe`` differs from its built-in recipe's defaults
    (``train.verbose`` and ``seed`` aside); empty for a recipe that is not built in."""
    from dlrecipes import registry
    from dlrecipes.spec import flatten, to_dict

    if recipe.name not in registry.names():
        return []
    base, resolved = (dict(flatten(to_dict(r))) for r in (registry.get(recipe.name), recipe))
    return sorted(
        key
        for key in set(base) | set(resolved)
        if base.get(key) != resolved.get(key) and key not in ("train.verbose", "seed")
    )


def reported_values(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """A run's scalars under one flat name each, as a notebook asks for them.

    ``val_loss`` / ``train_accuracy`` (the run's evaluation of each split), the
    probes' and reports' scalars (``grad_norm_first``, ``w1``, ``val_bits_per_char``),
    ``macro_f1``, and the test metrics by their own names (``accuracy``) and with the
    split (``test_accuracy``).
    """
    values: dict[str, Any] = {}
    evaluation = metrics.get("evaluation") or {}
    for split in ("train", "val", "test"):
        values.update({f"{split}_{k}": v for k, v in (evaluation.get(split) or {}).items()})
    values.update({k: v for k, v in evaluation.items() if not isinstance(v, Mapping)})
    if (metrics.get("classification") or {}).get("macro_f1") is not None:
        values["macro_f1"] = metrics["classification"]["macro_f1"]
    values.update(metrics.get("probes") or {})
    for report in (metrics.get("reports") or {}).values():
        values.update(report or {})
    test = metrics.get("test") or {}
    values.update({f"test_{k}": v for k, v in test.items() if not k.startswith("test_")})
    values.update(test)
    return values


def _quiet_import_keras() -> None:
    """Import Keras (and its backend) once, keeping TensorFlow's start-up lines and retracing
    warnings out of the stored outputs.

    TensorFlow writes its start-up lines (oneDNN, CUDA drivers) from C++ straight to file
    descriptor 2, which Jupyter copies into the notebook; they are sent to ``os.devnull``
    during the import and the first tensor only. Errors raised by the import still propagate.
    """
    import logging
    import sys

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if "keras" in sys.modules:
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import keras

        keras.ops.zeros((1,))  # the first tensor initialises the devices (and logs about them)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].get_logger().setLevel(logging.ERROR)


def _overrides(overrides) -> dict[str, Any]:
    """Overrides as ``--set`` reads them (:func:`dlrecipes.spec.override_pairs`): strings
    ``"a.b=value"`` parse as TOML literals, a mapping is taken as typed."""
    from dlrecipes.spec import override_pairs

    return override_pairs(overrides, flag="an override")


@dataclass(frozen=True)
class Notebook:
    """A notebook's setting: smoke or class, and where its runs go.

    Args:
        name: the notebook's name (its run directories go under ``out``).
        smoke: ``None`` reads ``DLRECIPES_NOTEBOOK_SMOKE`` (:func:`smoke_mode`).
        out: ``None`` for :func:`default_out`.
        chdir: change into the repository root (found from the working directory), as
            the command line runs there.
    """

    name: str
    smoke: bool | None = None
    out: Path | None = None
    chdir: bool = True

    def __post_init__(self):
        _quiet_import_keras()
        if not self.name or "/" in self.name:
            raise ValueError(f"name must be a non-empty file name. Received: name={self.name!r}")
        if self.chdir:
            os.chdir(_repository_root(Path.cwd().resolve()))
        if self.smoke is None:
            object.__setattr__(self, "smoke", smoke_mode())
        object.__setattr__(self, "out", Path(self.out) if self.out else default_out(self.name))

    @property
    def setting(self) -> str:
        """``"smoke"`` or ``"class"``."""
        return "smoke" if self.smoke else "class"

    def __repr__(self) -> str:
        how = (
            "every run uses its recipe's smoke profile"
            if self.smoke
            else "recipe defaults and the lighter overrides stated in each call"
        )
        return f"{self.name}: {self.setting} setting ({how}); runs under {self.out}"

    def _arguments(self, overrides, lighter, kwargs: dict) -> dict:
        if "smoke" in kwargs:
            raise ValueError(
                f"the notebook chooses the smoke setting ({SMOKE_ENV}); Received: "
                f"smoke={kwargs['smoke']!r}"
            )
        class_profile = kwargs.pop("profile", None)
        chosen = {} if self.smoke else _overrides(lighter)
        chosen.update(_overrides(overrides))
        chosen.setdefault("train.verbose", "0")  # no Keras progress bars in stored outputs
        return {
            "profile": "smoke" if self.smoke else class_profile,
            "overrides": chosen,
            "out": self.out,
            **kwargs,
        }

    def run(self, recipe, overrides=None, lighter=None, **kwargs):
        """:func:`dlrecipes.run` in this setting.

        Args:
            recipe: a recipe name, file or :class:`dlrecipes.Recipe`.
            overrides: dotted-path overrides applied in both settings.
            lighter: dotted-path overrides applied in the class setting only.
            kwargs: other arguments of :func:`dlrecipes.run` (``seed``, ...).

        Returns:
            A :class:`dlrecipes.runs.RunResult`.
        """
        from dlrecipes.runs import run

        return run(recipe, **self._arguments(overrides, lighter, kwargs))

    def compare(self, recipe, overrides=None, lighter=None, only=(), **kwargs):
        """:func:`dlrecipes.runs.compare` of the variants ``only`` (all when empty)."""
        from dlrecipes.runs import compare

        return compare(recipe, only=only, **self._arguments(overrides, lighter, kwargs))

    def tune(
        self, recipe, trials: int, smoke_trials: int = 2, overrides=None, lighter=None, **kwargs
    ):
        """:func:`dlrecipes.tuning.tune`, ``trials`` trials (``smoke_trials`` in the smoke
        setting), starting afresh each time the notebook runs."""
        from dlrecipes.tuning import tune

        kwargs.setdefault("fresh", True)
        count = smoke_trials if self.smoke else trials
        return tune(recipe, trials=count, **self._arguments(overrides, lighter, kwargs))

    def report(self, result, *keys: str) -> None:
        """Print a run's summary line and the metrics named ``keys`` (the test metrics when
        none): any name of :func:`reported_values`."""
        from dlrecipes.runs import summary_line

        print(summary_line(result))
        changed = changed_settings(result.recipe)
        restated = any(key.startswith("expect.") for key in changed)  # e.g. by a profile
        if changed and not restated and result.metrics.get("expect", {}).get("applies"):
            print(
                f"  note: this run changes {', '.join(changed)} from the recipe's defaults; "
                "the expectation is stated for the defaults"
            )
        test = result.metrics.get("test", {})
        known = reported_values(result.metrics)
        for key in keys or [k for k, v in test.items() if isinstance(v, (int, float))]:
            if key not in known:
                raise KeyError(f"no metric {key!r}; the run has: {', '.join(sorted(known))}")
            value = known[key]
            print(f"  {key} = {value:.6g}" if isinstance(value, float) else f"  {key} = {value}")

    def show(self, where, *names: str, width: int | None = None):
        """Display plots: ``show(result, "learning_curves.png", ...)``.

        Args:
            where: a run result, a run / compare / search directory, or a PNG file.
            names: PNG file names in ``where/plots/`` (all of them, sorted, when none).
            width: display width in pixels.

        Raises:
            FileNotFoundError: a named plot is missing.
        """
        from IPython.display import Image, display

        folder = Path(
            getattr(where, "run_dir", None)
            or getattr(where, "compare_dir", None)
            or getattr(where, "search_dir", None)
            or where
        )
        if folder.suffix == ".png":
            paths = [folder]
        else:
            plots = folder / "plots" if (folder / "plots").is_dir() else folder
            paths = [plots / n for n in names] if names else sorted(plots.glob("*.png"))
        for path in paths:
            if not path.is_file():
                raise FileNotFoundError(f"no plot {path.name!r} in {path.parent}")
            # "<recipe>/<plot>.png" in the output's metadata: dlrecipes.docs finds gallery
            # images in the stored notebooks by it.
            display(Image(filename=str(path), width=width), metadata={PLOT_KEY: plot_label(path)})
