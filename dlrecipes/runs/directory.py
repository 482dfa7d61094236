"""The run directory: where it goes, what every run records, atomic writes.

``OUT/<recipe>/<prefix><YYYYmmdd-HHMMSS>-s<seed>[-k]/`` holding ``recipe.toml``
(what ran), ``history.csv``, ``metrics.json`` (written last, only on success),
``model.keras``, ``plots/*.png``, ``tensorboard/``; ``FAILED.txt`` when a run
raised. Runs never overwrite each other.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from dlrecipes.spec import Recipe, recipe_to_toml

VERSIONED_PACKAGES = ("keras", "tensorflow", "jax", "numpy", "scikit-learn", "gymnasium")


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on."""
    import importlib.metadata as metadata

    out = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
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


def create(out: str | Path, recipe: Recipe, prefix: str = "") -> Path:
    """A new run directory for ``recipe`` holding its resolved ``recipe.toml``."""
    run_dir = make_run_dir(out, recipe.name, recipe.seed, prefix=prefix)
    write_text(run_dir / "recipe.toml", recipe_to_toml(recipe))
    return run_dir


def write_text(path: Path, text: str) -> None:
    """Write ``text`` atomically: a reader sees the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as indented JSON, atomically."""
    write_text(path, json.dumps(data, indent=2, default=str))


def fail(run_dir: Path | None, error: BaseException) -> None:
    """Mark a run directory as failed with the error's one-line description."""
    if run_dir is not None and run_dir.exists():
        (run_dir / "FAILED.txt").write_text(f"{type(error).__name__}: {error}\n")


def common_metrics(recipe: Recipe, run_dir: Path) -> dict[str, Any]:
    """What every ``metrics.json`` records: recipe, seed, backend, device, versions, command."""
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
