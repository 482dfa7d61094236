"""The run directory: where it goes, what every run records, its status, atomic writes.

``OUT/<recipe>/<prefix><YYYYmmdd-HHMMSS>-s<seed>[-k]/`` holding ``recipe.toml``
(what ran), ``history.csv``, ``metrics.json`` (written last, only on success),
``model.keras``, ``plots/*.png``, ``tensorboard/``; ``FAILED.txt`` (the error's
type and message) when a run raised; ``backup/`` (supervised) or
``checkpoint/`` (RL) while it can be resumed; ``run.lock`` (which process is running it)
while an attempt runs. Runs never overwrite each other, and two processes never run
the same directory at once: a ``--resume`` of a directory another live process is
running is refused (:func:`claim`).

A run directory has one :func:`status`: ``completed`` (``metrics.json``),
``failed`` (``FAILED.txt``) or ``incomplete`` (neither: running, or killed).
Every file is written atomically (:mod:`dlrecipes.atomic`), so a killed run
leaves no half-written file under its final name.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from dlrecipes import atomic
from dlrecipes.spec import Recipe, RecipeError, recipe_to_toml

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
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return new_directory(Path(out) / name, f"{prefix}{stamp}-s{seed}")


def new_directory(base: Path, stem: str) -> Path:
    """``base/stem``, or ``base/stem-2``, ``-3``, ... when taken: a directory nobody else
    has (``mkdir`` is atomic, so two processes never get the same one)."""
    base.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        candidate = base / (stem if attempt == 1 else f"{stem}-{attempt}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise RuntimeError(f"could not create a new directory {stem!r} under {base}")


RUN_INFO = "run.json"


def create(
    out: str | Path,
    recipe: Recipe,
    prefix: str = "",
    info: dict[str, Any] | None = None,
    lock: bool = True,
) -> Path:
    """A new run directory for ``recipe`` holding its resolved ``recipe.toml`` and, if
    given, ``run.json`` (``info``: what a resumed run must know that the recipe does not
    say, such as the profile it was resolved with and whether its expectation applies).
    With ``lock`` (a run, not a comparison's folder) this process :func:`claim` s it."""
    run_dir = make_run_dir(out, recipe.name, recipe.seed, prefix=prefix)
    if lock:
        claim(run_dir)
    write_text(run_dir / "recipe.toml", recipe_to_toml(recipe))
    if info is not None:
        write_json(run_dir / RUN_INFO, info)
    return run_dir


def run_info(resolved, applies: bool) -> dict[str, Any]:
    """``run.json`` of a new run of ``resolved`` (a :class:`~dlrecipes.spec.Resolved`)."""
    return {
        "recipe": resolved.recipe.name,
        "profile": resolved.profile,
        "expectation_applies": bool(applies),
    }


def read_info(run_dir: str | Path) -> dict[str, Any]:
    """The ``run.json`` of a run directory (``{}`` for one made before it existed)."""
    path = Path(run_dir) / RUN_INFO
    if not path.is_file():
        return {}
    try:
        info = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RecipeError(f"{str(path)!r} is not valid JSON: {error}") from None
    return info if isinstance(info, dict) else {}


def write_text(path: Path, text: str) -> None:
    """Write ``text`` atomically: a reader sees the old file or the new one, never half."""
    atomic.write_text(path, text)


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as indented JSON, atomically."""
    write_text(path, json.dumps(data, indent=2, default=str))


METRICS, FAILED, LOCK = "metrics.json", "FAILED.txt", "run.lock"
#: What a run directory holds before it has produced anything (see :func:`discard_if_unused`).
_FRESH = {"recipe.toml", "run.json", "plots", LOCK}


def _holder(run_dir: Path) -> dict[str, Any] | None:
    """Who ``run.lock`` says runs ``run_dir`` (``None`` when no lock or an unreadable one)."""
    try:
        holder = json.loads((Path(run_dir) / LOCK).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return holder if isinstance(holder, dict) else None


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the process a lock names may still run: a process of this host that
    exists (``kill(pid, 0)``), or any process of another host (which cannot be asked)."""
    if holder.get("host") != socket.gethostname():
        return True
    try:
        os.kill(int(holder.get("pid", -1)), 0)
    except (ProcessLookupError, ValueError, OverflowError):
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def claim(run_dir: str | Path) -> None:
    """This process runs ``run_dir`` now: write ``run.lock`` (pid, host, start time).

    A lock left by a process that no longer exists (killed, crashed) is taken over;
    one held by a live process, or by a process of another host, is not.

    Raises:
        RecipeError: another process is running ``run_dir``.
    """
    run_dir = Path(run_dir)
    holder = _holder(run_dir)
    if holder is not None and holder.get("pid") != os.getpid() and _alive(holder):
        raise RecipeError(
            f"{str(run_dir)!r} is being run by process {holder.get('pid')} on "
            f"{holder.get('host')!r} (since {holder.get('started')}); wait for it to end. "
            f"If that process is gone, delete {str(run_dir / LOCK)!r} and resume again"
        )
    write_json(
        run_dir / LOCK,
        {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now().isoformat(timespec="seconds"),
        },
    )


def release(run_dir: str | Path) -> None:
    """Remove ``run.lock`` if this process holds it (an attempt has ended)."""
    holder = _holder(Path(run_dir))
    if holder is not None and holder.get("pid") == os.getpid():
        (Path(run_dir) / LOCK).unlink(missing_ok=True)


def status(run_dir: str | Path) -> str:
    """``"completed"`` (``metrics.json``), ``"failed"`` (``FAILED.txt``) or ``"incomplete"``."""
    run_dir = Path(run_dir)
    if (run_dir / METRICS).is_file():
        return "completed"
    return "failed" if (run_dir / FAILED).is_file() else "incomplete"


def read_metrics(run_dir: str | Path) -> dict[str, Any]:
    """The ``metrics.json`` of a completed run (a RecipeError if it is not JSON)."""
    path = Path(run_dir) / METRICS
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RecipeError(f"{str(path)!r} is not a readable metrics.json: {error}") from None


def failure_text(error: BaseException) -> str:
    """The one line ``FAILED.txt`` holds: the error's type and message (never empty)."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if not message and isinstance(error, KeyboardInterrupt):
        message = "interrupted; continue with --resume RUN_DIR"
    return f"{type(error).__name__}: {message or 'no message'}\n"


def fail(run_dir: Path | None, error: BaseException) -> None:
    """Mark a run directory as failed with the error's one-line description.

    Never raises: if even this write fails (a full disk), the directory stays
    ``incomplete`` and the original error is what the caller sees.
    """
    if run_dir is None or not Path(run_dir).exists():
        return
    try:
        write_text(Path(run_dir) / FAILED, failure_text(error))
        release(run_dir)
    except OSError as write_error:
        print(f"warning: could not write {FAILED} in {run_dir}: {write_error}", file=sys.stderr)


def begin_attempt(run_dir: Path) -> None:
    """A resumed attempt starts: the directory is ``incomplete`` again (no ``FAILED.txt``),
    and the temporary files of writes the last attempt was killed in are removed."""
    (Path(run_dir) / FAILED).unlink(missing_ok=True)
    atomic.remove_temporaries(run_dir)


def finish(run_dir: Path, metrics: dict) -> None:
    """Write ``metrics.json`` (last, atomically): the run is ``completed``. A supervised
    run's training backup is no longer needed and is removed."""
    write_json(Path(run_dir) / METRICS, metrics)
    (Path(run_dir) / FAILED).unlink(missing_ok=True)
    for name in ("backup", "backup.old", "backup.tmp"):
        shutil.rmtree(Path(run_dir) / name, ignore_errors=True)
    release(run_dir)


def discard_if_unused(run_dir: Path) -> bool:
    """Remove a new run directory that holds nothing but its ``recipe.toml`` (and an
    empty ``plots/``), and its recipe's folder if that is left empty: a run that failed
    before producing anything leaves nothing."""
    run_dir = Path(run_dir)
    names = {path.name for path in run_dir.iterdir()}
    plots = run_dir / "plots"
    if not names <= _FRESH or (plots.is_dir() and any(plots.iterdir())):
        return False
    shutil.rmtree(run_dir)
    if not any(run_dir.parent.iterdir()):
        run_dir.parent.rmdir()  # OUT/<recipe>/, made for this run
    return True


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
