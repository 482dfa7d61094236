"""``python -m recipes doctor``: what this set-up will do, one check per line.

Each check says what it found; a failed one says how to fix it in one line. A *note*
is a fact worth knowing that is not a fault (no GPU; recipes that train without XLA by
design; online data sources not cached yet). The checks, in order:

- ``python``, ``keras``, ``tensorflow``, ``jax``, ``dependencies``: installed versions
  against the floors the project declares (``pyproject.toml`` of a source checkout,
  else the installed package's metadata);
- ``backend``: the Keras backend (``KERAS_BACKEND``) and whether its package loads;
- ``devices``: the devices the backend sees, and whether XLA compiles a small function
  on each of them;
- ``xla``: whether training would silently lose XLA: ``TF_DETERMINISTIC_OPS`` (Keras
  turns XLA off for every model under op determinism), augmentation (now in the
  input pipeline, so it no longer turns XLA off), cuDNN recurrent layers on a
  GPU under TensorFlow;
- ``tensorboard``: present for Keras Tuner and the TensorBoard callback;
- ``environments``: the gymnasium environments the RL recipes need;
- ``data files``: the file sources the recipes' profiles name (e.g.
  ``mnist_idx:../shared/data/mnist-8k``), relative to the current directory;
- ``online data``: which online sources (``keras:``, ``tfds:``) are cached; no network
  is probed, so offline the embedded and file sources are named;
- ``extras``: the optional extras (export runtimes, MLflow, Optuna, flappy bird, MP4);
- ``disk``: free space under the runs directory.

Exit status 0 when no check failed, 1 otherwise; ``--json`` prints the checks as a
list of ``{"name", "status", "detail", "fix"}`` for scripts. It is fast (one small
XLA compilation per device; no training, no download).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata as metadata
import importlib.util
import os
import platform
import shutil
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

OK, NOTE, FAIL = "ok", "note", "fail"
#: Below this much free space under the runs directory the ``disk`` check fails.
MIN_FREE_BYTES = 1_000_000_000
#: The requirement lines checked one by one (the rest is the ``dependencies`` line).
OWN_LINES = ("keras", "tensorflow", "jax")
#: Optional modules and the extra that installs each.
EXTRAS = {
    "tf2onnx": "export",
    "onnxruntime": "export",
    "ai_edge_litert": "export",
    "mlflow": "tracking",
    "optuna": "search",
    "psycopg": "search",
    "flappy_bird_gymnasium": "rl-extra",
    "imageio_ffmpeg": "video",
}
#: Data sources read from files (their argument is a path).
FILE_SOURCES = ("mnist_idx", "text", "npz")
ONLINE_SOURCES = ("keras", "tfds")


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the report.

    Attributes:
        name: what was checked (``keras``, ``devices``, ...).
        status: ``ok``, ``note`` (worth knowing, not a fault) or ``fail``.
        detail: what was found, in one line.
        fix: for a failed check, the one-line fix; else empty.
    """

    name: str
    status: str
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


# ----------------------------------------------------------------------------- versions


def declared_requirements() -> tuple[str, list[str], str]:
    """``(requires-python, dependency lines, where they were read)``.

    A source checkout's ``pyproject.toml`` wins over the installed metadata, which an
    editable install leaves as it was when it was installed.
    """
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if pyproject.is_file():
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        if project.get("name") == "dlrecipes":
            extras = project.get("optional-dependencies", {})
            lines = list(project.get("dependencies", [])) + list(extras.get("jax", []))
            return project.get("requires-python", ""), lines, str(pyproject)
    try:
        meta = metadata.metadata("dlrecipes")
        lines = [
            line
            for line in metadata.requires("dlrecipes") or []
            if "extra ==" not in line or 'extra == "jax"' in line
        ]
        return meta.get("Requires-Python", ""), [line.split(";")[0] for line in lines], "metadata"
    except metadata.PackageNotFoundError:
        return "", [], "nowhere (dlrecipes is not installed)"


def _requirement(line: str):
    from packaging.requirements import Requirement

    return Requirement(line)


def _installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _version_check(line: str, where: str, optional: bool = False) -> Check:
    requirement = _requirement(line)
    version = _installed(requirement.name)
    floor = str(requirement.specifier) or "any"
    if version is None:
        if optional:
            return Check(requirement.name, NOTE, f"not installed (optional, {floor})")
        return Check(
            requirement.name,
            FAIL,
            f"not installed (needs {floor}, declared in {where})",
            f"pip install '{requirement.name}{requirement.specifier}'",
        )
    if requirement.specifier.contains(version, prereleases=True):
        return Check(requirement.name, OK, f"{version} ({floor})")
    return Check(
        requirement.name,
        FAIL,
        f"{version} does not satisfy {floor} (declared in {where})",
        f"pip install -U '{requirement.name}{requirement.specifier}'",
    )


def check_versions() -> list[Check]:
    """Python, Keras, TensorFlow and JAX, each against its floor; the rest in one line."""
    from packaging.specifiers import SpecifierSet

    python_floor, lines, where = declared_requirements()
    here = platform.python_version()
    checks = []
    if python_floor and here not in SpecifierSet(python_floor):
        checks.append(
            Check(
                "python",
                FAIL,
                f"{here} does not satisfy {python_floor}",
                f"use Python {python_floor} (e.g. a new virtual environment)",
            )
        )
    else:
        checks.append(Check("python", OK, f"{here} ({python_floor or 'any'})"))
    by_name = {_requirement(line).name: line for line in lines}
    for name in OWN_LINES:
        if name in by_name:
            checks.append(_version_check(by_name[name], where, optional=(name == "jax")))
    others = [_version_check(line, where) for n, line in by_name.items() if n not in OWN_LINES]
    failed = [c for c in others if c.status == FAIL]
    if failed:
        checks.append(
            Check(
                "dependencies",
                FAIL,
                "; ".join(f"{c.name}: {c.detail}" for c in failed),
                "pip install -e . (or: " + "; ".join(c.fix for c in failed) + ")",
            )
        )
    else:
        checks.append(
            Check("dependencies", OK, f"{len(others)} more satisfy their floors ({where})")
        )
    return checks


# ----------------------------------------------------------------------------- backend


def backend_name() -> str:
    """The Keras backend this process would use (``KERAS_BACKEND``, else Keras' config)."""
    return os.environ.get("KERAS_BACKEND") or _configured_backend() or "tensorflow"


def _configured_backend() -> str | None:
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    try:
        import json

        return json.loads((home / "keras.json").read_text()).get("backend")
    except (OSError, ValueError, AttributeError):
        return None


def check_backend() -> list[Check]:
    name = backend_name()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(name)
    if module is None:
        return [
            Check(
                "backend",
                FAIL,
                f"KERAS_BACKEND={name!r} is not a backend the recipes run on",
                "export KERAS_BACKEND=tensorflow (or jax)",
            )
        ]
    try:
        importlib.import_module(module)
        import keras
    except ImportError as error:
        extra = " 'dlrecipes[jax]'" if name == "jax" else f" {module}"
        return [Check("backend", FAIL, f"{name}: {error}", f"pip install{extra}")]
    if keras.backend.backend() != name:
        return [
            Check(
                "backend",
                FAIL,
                f"Keras was imported with {keras.backend.backend()!r}, not {name!r}",
                "set KERAS_BACKEND before Python imports Keras",
            )
        ]
    note = "" if name in ("tensorflow", "jax") else " (the recipes are tested on tensorflow, jax)"
    return [Check("backend", OK if not note else NOTE, f"{name}{note}")]


def _tensorflow_devices() -> list[tuple[str, Callable[[], Any]]]:
    import tensorflow as tf

    devices = []
    for device in tf.config.list_logical_devices():
        if device.device_type not in ("CPU", "GPU", "TPU"):
            continue

        def compile_on(name=device.name):
            with tf.device(name):
                x = tf.ones((8, 8))
                return float(tf.function(lambda a: tf.reduce_sum(a @ a), jit_compile=True)(x))

        devices.append((device.name.replace("/device:", ""), compile_on))
    return devices


def _jax_devices() -> list[tuple[str, Callable[[], Any]]]:
    import jax
    import jax.numpy as jnp

    devices = []
    for device in jax.devices():

        def compile_on(device=device):
            x = jax.device_put(jnp.ones((8, 8)), device)
            return float(jax.jit(lambda a: jnp.sum(a @ a))(x))

        devices.append((f"{device.platform.upper()}:{device.id}", compile_on))
    return devices


def check_devices() -> list[Check]:
    """The backend's devices, and an XLA compilation of ``sum(x @ x)`` on each."""
    import keras

    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax"):
        return [Check("devices", NOTE, f"not checked under the {backend} backend")]
    devices = _tensorflow_devices() if backend == "tensorflow" else _jax_devices()
    found, failed = [], []
    for name, compile_on in devices:
        started = time.perf_counter()
        try:
            value = compile_on()
            if value != 512.0:  # sum of an 8x8 matrix of 8s
                raise ValueError(f"computed {value}, expected 512.0")
            found.append(f"{name} (XLA ok, {time.perf_counter() - started:.1f} s)")
        except Exception as error:  # any failure to compile is what this check reports
            failed.append(f"{name} (XLA failed: {str(error).splitlines()[0][:120]})")
    accelerators = [n for n, _ in devices if not n.startswith("CPU")]
    detail = ", ".join(found + failed)
    if failed:
        return [
            Check(
                "devices",
                FAIL,
                detail,
                "run with train.jit_compile=false, or reinstall the backend with its "
                "accelerator support (e.g. pip install 'jax[cuda12]' / tensorflow[and-cuda])",
            )
        ]
    status = OK if accelerators else NOTE
    return [Check("devices", status, detail + ("" if accelerators else "; no accelerator: CPU"))]


# ----------------------------------------------------------------------------- XLA


def _recipes():
    from dlrecipes import registry

    return registry.all_recipes()


def check_xla(recipes=None) -> list[Check]:
    """Where training would run without XLA although the recipe asks for it."""
    import keras

    recipes = _recipes() if recipes is None else recipes
    checks = []
    backend = keras.backend.backend()
    if backend == "tensorflow" and os.environ.get("TF_DETERMINISTIC_OPS", "") not in ("", "0"):
        checks.append(
            Check(
                "xla: determinism",
                FAIL,
                "TF_DETERMINISTIC_OPS is set: Keras turns XLA off for every model",
                "unset TF_DETERMINISTIC_OPS (runs turn determinism on themselves where a "
                "recipe trains without XLA)",
            )
        )
    elif backend == "tensorflow":
        checks.append(
            Check(
                "xla: determinism",
                OK,
                "op determinism only where a recipe sets train.jit_compile=false",
            )
        )
    else:
        checks.append(
            Check("xla: determinism", OK, f"{backend}: no op-determinism switch turns XLA off")
        )
    augmented = [r.name for r in recipes if r.data.augment_shift or r.data.augment_rotation]
    if augmented:
        checks.append(
            Check(
                "xla: augmentation",
                OK,
                f"{', '.join(augmented)} expand their samples in the input pipeline, not in "
                "the model: XLA stays available (train.jit_compile)",
            )
        )
    gpu = backend == "tensorflow" and _tensorflow_has_gpu()
    recurrent = [r.name for r in recipes if r.model.options.get("cell") in ("lstm", "gru")]
    if gpu and recurrent:
        checks.append(
            Check(
                "xla: cuDNN",
                NOTE,
                f"on this GPU, TensorFlow runs LSTM/GRU layers with cuDNN and without XLA "
                f"({', '.join(recurrent)}); KERAS_BACKEND=jax keeps XLA",
            )
        )
    else:
        where = "no GPU" if backend == "tensorflow" else f"backend {backend}"
        checks.append(Check("xla: cuDNN", OK, f"recurrent layers keep XLA ({where})"))
    return checks


def _tensorflow_has_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


# ----------------------------------------------------------------------------- tools, envs


def check_tensorboard() -> list[Check]:
    version = _installed("tensorboard")
    if version is None:
        return [
            Check(
                "tensorboard",
                FAIL,
                "not installed: Keras Tuner and train.tensorboard=true need it",
                "pip install tensorboard",
            )
        ]
    return [Check("tensorboard", OK, f"{version} (Keras Tuner, TensorBoard logs)")]


def check_environments(recipes=None) -> list[Check]:
    """Every gymnasium environment an RL recipe names is made (and closed)."""
    recipes = _recipes() if recipes is None else recipes
    needed: dict[str, list[str]] = {}
    for recipe in recipes:
        if recipe.agent is not None:
            needed.setdefault(recipe.agent.env_id, []).append(recipe.name)
    try:
        import gymnasium
    except ImportError:
        return [
            Check(
                "environments",
                FAIL,
                "gymnasium is not installed",
                "pip install 'gymnasium[classic-control]>=1.2'",
            )
        ]
    from dlrecipes.rl.envs import register_environments

    register_environments()  # the library's own ids (dlrecipes/Catch-v0, ...)
    made, missing = [], []
    for env_id, names in sorted(needed.items()):
        try:
            gymnasium.make(env_id).close()
            made.append(env_id)
        except Exception as error:  # not registered, or a missing dependency
            missing.append(f"{env_id} ({', '.join(names)}): {str(error).splitlines()[0][:100]}")
    if missing:
        return [
            Check(
                "environments",
                FAIL,
                "; ".join(missing),
                "pip install -U 'gymnasium[classic-control]>=1.2'",
            )
        ]
    return [Check("environments", OK, f"gymnasium {gymnasium.__version__}: {', '.join(made)}")]


# ----------------------------------------------------------------------------- data


def _named_sources(recipes) -> dict[str, list[str]]:
    """``source string -> ["recipe" or "recipe (profile)", ...]`` of every recipe."""
    sources: dict[str, list[str]] = {}
    for recipe in recipes:
        if recipe.task == "supervised" or recipe.data.source:
            sources.setdefault(recipe.data.source, []).append(recipe.name)
        for profile, overrides in recipe.profiles.items():
            source = overrides.get("data.source")
            if source:
                sources.setdefault(source, []).append(f"{recipe.name} ({profile})")
    return sources


def check_data_files(recipes=None) -> list[Check]:
    """The files and directories that file sources of the recipes name, from here."""
    recipes = _recipes() if recipes is None else recipes
    files = {
        s: users
        for s, users in _named_sources(recipes).items()
        if s.partition(":")[0] in FILE_SOURCES and s.partition(":")[2]
    }
    if not files:
        return [Check("data files", OK, "no recipe names a file source")]
    found, missing = [], []
    for source, users in sorted(files.items()):
        path = Path(source.partition(":")[2]).expanduser()
        (found if path.exists() else missing).append((source, users))
    if missing:
        where = Path.cwd()
        names = "; ".join(
            f"{s} for {', '.join(u[:3])}{'...' if len(u) > 3 else ''}" for s, u in missing
        )
        return [
            Check(
                "data files",
                FAIL,
                f"missing from {where}: {names}",
                "run from the repository root beside ../shared/data, or give the profile "
                "another source (--set data.source=mnist_idx:DIR)",
            )
        ]
    return [Check("data files", OK, f"{', '.join(s for s, _ in found)} (from {Path.cwd()})")]


def _keras_cache() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def _tfds_cache() -> Path:
    return Path(os.environ.get("TFDS_DATA_DIR", Path.home() / "tensorflow_datasets"))


def check_online_data() -> list[Check]:
    """What the online loaders have cached; offline, the embedded and file sources."""
    from dlrecipes.data import SOURCES

    cached = []
    keras_cache, tfds_cache = _keras_cache(), _tfds_cache()
    if keras_cache.is_dir():
        cached += [f"keras:{p.name}" for p in sorted(keras_cache.iterdir())][:6]
    if tfds_cache.is_dir():
        cached += [f"tfds:{p.name}" for p in sorted(tfds_cache.iterdir()) if p.is_dir()][:6]
    embedded = [n for n, s in SOURCES.items() if s.description.startswith("embedded")]
    files = [f"{n}:PATH" for n in FILE_SOURCES if n in SOURCES]
    offline = (
        f"offline, use the embedded sources ({', '.join(embedded)}) or the file sources "
        f"({', '.join(files)})"
    )
    if cached:
        return [
            Check(
                "online data",
                OK,
                f"cached: {', '.join(cached)}; other online sources "
                f"download on first use ({offline})",
            )
        ]
    return [
        Check(
            "online data",
            NOTE,
            f"nothing cached in {keras_cache} or {tfds_cache}: keras:/tfds: sources download on "
            f"first use (no network was probed); {offline}",
        )
    ]


# ----------------------------------------------------------------------------- extras, disk


def check_extras() -> list[Check]:
    """The optional extras: export (ONNX, LiteRT), tracking (MLflow), search (Optuna and the
    PostgreSQL driver), rl-extra (flappy bird) and video (MP4 recording)."""
    present, absent = [], []
    for module, extra in EXTRAS.items():
        found = importlib.util.find_spec(module) is not None
        (present if found else absent).append(f"{module} [{extra}]")
    if absent:
        wanted = sorted({EXTRAS[m.split(" ")[0]] for m in absent})
        return [
            Check(
                "extras",
                NOTE,
                f"not installed: {', '.join(absent)}"
                + (f"; installed: {', '.join(present)}" if present else "")
                + f" (pip install 'dlrecipes[{','.join(wanted)}]' when you need them)",
            )
        ]
    return [Check("extras", OK, f"installed: {', '.join(present)}")]


def check_disk(runs: str | Path = "runs") -> list[Check]:
    """Free space where run directories go (the nearest existing folder of ``runs``)."""
    path = Path(runs).expanduser().absolute()
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    detail = f"{free / 1e9:.1f} GB free under {existing}"
    if free < MIN_FREE_BYTES:
        return [
            Check(
                "disk",
                FAIL,
                detail
                + f" (runs need room for models and logs; at least {MIN_FREE_BYTES / 1e9:g} GB)",
                "free space, or run with --out DIR on a larger disk",
            )
        ]
    return [Check("disk", OK, detail)]


# ----------------------------------------------------------------------------- report


def run_checks(runs: str | Path = "runs") -> list[Check]:
    """Every check, in the order of the module docstring. A check that raises reports
    its error as a failure instead: the doctor never stops half-way."""
    checks: list[Check] = []
    steps: list[tuple[str, Callable[[], list[Check]]]] = [
        ("versions", check_versions),
        ("backend", check_backend),
    ]
    checks += _guarded(steps)
    if any(c.name == "backend" and c.status == FAIL for c in checks):
        later = [("tensorboard", check_tensorboard)]
    else:
        recipes = _guarded_recipes(checks)
        later = [
            ("devices", check_devices),
            ("xla", lambda: check_xla(recipes)),
            ("tensorboard", check_tensorboard),
            ("environments", lambda: check_environments(recipes)),
            ("data files", lambda: check_data_files(recipes)),
        ]
    later += [
        ("online data", check_online_data),
        ("extras", check_extras),
        ("disk", lambda: check_disk(runs)),
    ]
    return checks + _guarded(later)


def _guarded_recipes(checks: list[Check]):
    try:
        return _recipes()
    except Exception as error:  # a broken recipe module is reported, not raised
        checks.append(Check("recipes", FAIL, f"{type(error).__name__}: {error}", "fix the recipe"))
        return []


def _guarded(steps) -> list[Check]:
    checks = []
    for name, step in steps:
        try:
            checks += step()
        except Exception as error:  # reported as this check's failure
            message = str(error).splitlines()[0][:200] if str(error) else ""
            checks.append(
                Check(
                    name,
                    FAIL,
                    f"the check raised {type(error).__name__}: {message}",
                    "report this with the output of python -m recipes doctor --json",
                )
            )
    return checks


def report(checks: list[Check]) -> str:
    """The checks as one screen of text: a line each, the fix under a failed one."""
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        mark = {OK: "ok  ", NOTE: "note", FAIL: "FAIL"}[check.status]
        lines.append(f"{mark}  {check.name:<{width}}  {check.detail}")
        if check.fix:
            lines.append(f"      {'':<{width}}  fix: {check.fix}")
    failed = sum(c.status == FAIL for c in checks)
    notes = sum(c.status == NOTE for c in checks)
    lines.append(
        f"{len(checks)} checks: {len(checks) - failed - notes} ok, {notes} notes, {failed} failed"
    )
    return "\n".join(lines)


def exit_status(checks: list[Check]) -> int:
    """0 when no check failed, else 1."""
    return 1 if any(c.status == FAIL for c in checks) else 0


def header() -> str:
    """The report's first line: the interpreter and the directory the checks describe."""
    return (
        f"dlrecipes doctor: {sys.executable} (Python {platform.python_version()}) in {Path.cwd()}"
    )
