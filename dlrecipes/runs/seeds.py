"""Groups of runs: one recipe over several seeds, summarised with confidence intervals.

One seed is one draw; a claim is made over several (:mod:`dlrecipes.stats`).
``python -m recipes run NAME --seeds 0-4`` is this call::

    >>> from dlrecipes.runs import run_seeds
    >>> group = run_seeds("mlp", seeds="0-4", smoke=True)   # doctest: +SKIP
    >>> print(group.table())                                 # doctest: +SKIP

and writes one group directory::

    OUT/<recipe>/seeds-<YYYYmmdd-HHMMSS>/
        group.json        what the group is: recipe, profile, seeds, jobs, threads per job
        recipe.toml       the resolved recipe every seed runs (its seed replaced per run)
        base.toml         the recipe as declared (decides whether the expectation applies)
        <recipe>/<timestamp>-s<seed>/   each seed's normal run directory
        logs/             each worker process's output (with --jobs K > 1)
        summary.json      per metric: n, mean, sd, 95% t interval, IQM with a bootstrap
                          interval, every seed's value; the expectation per seed and on the
                          mean; failed seeds with their reason; RL: solved in k/n seeds
        summary.csv       one row per metric: the same numbers and one column per seed
        plots/seeds_<key>.png   learning curves over seeds: mean with a 95% band (RL: the
                          IQM of the training returns with a bootstrap band)
        report.html       the self-contained report (:mod:`dlrecipes.reports.html`)

Seeds run one after another in this process (``jobs=1``), or ``jobs=K`` worker
processes at a time, each limited to ``cores // K`` threads
(``OMP_NUM_THREADS``, ``TF_NUM_INTRAOP_THREADS``, ``TF_NUM_INTEROP_THREADS``) so
the CPU is not oversubscribed. A worker resolves nothing by name: it reads the
group's ``recipe.toml`` and ``base.toml``, so every seed runs exactly the recipe
the group recorded, and the result of a seed does not depend on ``jobs``.

A seed that fails (NaN loss, crash, an exception) is recorded as failed with
its reason; the others still count. ``resume=GROUP_DIR`` runs only the seeds
that have no finished run: an interrupted run directory is continued
(``run(resume=...)``), a seed never started is started; seeds given with
``resume`` are added to the group's.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dlrecipes import stats
from dlrecipes.runs import directory
from dlrecipes.runs.launch import prepare, run
from dlrecipes.spec import Recipe, RecipeError, Resolved, recipe_from_toml, recipe_to_toml

#: The largest seed accepted (NumPy and TensorFlow take 32-bit seeds).
MAX_SEED = 2**31 - 1
#: The most seeds one group may hold.
MAX_SEEDS = 1_000
#: Variables that bound the threads of a worker process (BLAS, OpenMP, TensorFlow).
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)
#: Metrics left out of a summary (per-class scores stay in each run's metrics.json).
_SUMMARY_EXCLUDE = re.compile(r"^(precision|recall|f1|support)_|^(run_dir|status_detail)$")
_RUN_DIR_SEED = re.compile(r"-s(\d+)(?:-\d+)?$")

COMPLETED, DIVERGED, FAILED, INTERRUPTED, MISSING = (
    "completed",
    "diverged",
    "failed",
    "interrupted",
    "missing",
)


# ----------------------------------------------------------------------------- seeds


def parse_seeds(spec: str | int | Iterable[int]) -> tuple[int, ...]:
    """The seeds a ``--seeds`` value names.

    - ``"0-4"``: a range, both ends included -> ``(0, 1, 2, 3, 4)``;
    - ``"5"``: a count -> the first five seeds ``(0, 1, 2, 3, 4)``;
    - ``"0,3,7"``: a list (items may be ranges: ``"0-2,10"``).

    An int is a count, any other iterable a list of seeds. Seeds are integers from 0
    to 2**31 - 1, each given once.

    Raises:
        RecipeError: anything else, in one line naming what was received.
    """
    expected = "expected a count ('5'), a range ('0-4') or a list ('0,3,7')"
    if isinstance(spec, bool):
        raise RecipeError(f"--seeds {expected}. Received: {spec!r}")
    if isinstance(spec, int):
        items: list[int] = _count(spec, spec)
    elif isinstance(spec, str):
        items = _parse_seed_text(spec.strip(), expected)
    else:
        try:
            items = [_seed(value, spec) for value in spec]
        except TypeError:
            raise RecipeError(f"--seeds {expected}. Received: {spec!r}") from None
    if not items:
        raise RecipeError(f"--seeds names no seed. Received: {spec!r}")
    duplicates = sorted({s for s in items if items.count(s) > 1})
    if duplicates:
        raise RecipeError(f"--seeds names seed {duplicates[0]} twice. Received: {spec!r}")
    if len(items) > MAX_SEEDS:
        raise RecipeError(
            f"--seeds names {len(items)} seeds; at most {MAX_SEEDS}. Received: {spec!r}"
        )
    return tuple(items)


def _seed(value, spec) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise RecipeError(f"a seed must be an integer from 0 to {MAX_SEED}. Received: {spec!r}")
    return value


def _count(count: int, spec) -> list[int]:
    if not 1 <= count <= MAX_SEEDS:
        raise RecipeError(f"--seeds N runs N seeds, 1 <= N <= {MAX_SEEDS}. Received: {spec!r}")
    return list(range(count))


def _parse_seed_text(text: str, expected: str) -> list[int]:
    if re.fullmatch(r"\d+", text):
        return _count(int(text), text)
    items: list[int] = []
    for part in text.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if match:
            first, last = (_seed(int(g), text) for g in match.groups())
            if last < first:
                raise RecipeError(f"--seeds range must go upwards ('0-4'). Received: {text!r}")
            if last - first >= MAX_SEEDS:
                raise RecipeError(
                    f"--seeds names {last - first + 1} seeds; at most {MAX_SEEDS}. "
                    f"Received: {text!r}"
                )
            items.extend(range(first, last + 1))
        elif re.fullmatch(r"\d+", part) and "," in text:
            items.append(_seed(int(part), text))
        else:
            raise RecipeError(f"--seeds {expected}. Received: {text!r}")
    return items


def describe_seeds(seeds: Sequence[int]) -> str:
    """``(0, 1, 2, 3, 4) -> "0-4"``, ``(0, 3, 7) -> "0,3,7"``."""
    seeds = sorted(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}"
    return ",".join(str(s) for s in seeds)


# ----------------------------------------------------------------------------- processes


def available_cores() -> int:
    """The CPU cores this process may use (its affinity mask, else ``os.cpu_count()``)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def threads_per_job(jobs: int, cores: int | None = None) -> int:
    """Threads each of ``jobs`` parallel runs may use so that together they use the
    cores once: ``max(1, cores // jobs)``.

    Raises:
        RecipeError: ``jobs`` is not a positive integer, or exceeds the cores (more
            jobs than cores only makes each one slower).
    """
    cores = available_cores() if cores is None else cores
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise RecipeError(f"--jobs must be a positive integer. Received: {jobs!r}")
    if jobs > cores:
        raise RecipeError(
            f"--jobs {jobs} exceeds the {cores} CPU cores available; use --jobs {cores} or fewer"
        )
    return max(1, cores // jobs)


def worker_environment(threads: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a worker process limited to ``threads`` threads."""
    env = dict(os.environ if base is None else base)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Not XLA_FLAGS=--xla_cpu_multi_thread_eigen=false: it changes XLA's CPU code, and
    # with it the last bits of every jit-compiled run (measured on optimizers: test loss
    # 0.33055454 -> 0.33055452), so --jobs K would no longer reproduce --jobs 1.
    return env


# ----------------------------------------------------------------------------- group files


def make_group_dir(out: str | Path, name: str, prefix: str) -> Path:
    """A new directory ``out/name/<prefix><timestamp>[-k]``; never reuses an existing one."""
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise RecipeError(f"--out must be a directory. Received: {str(root)!r} (a file)")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return directory.new_directory(root / name, f"{prefix}{stamp}")


def write_group(group_dir: Path, resolved: Resolved, info: dict[str, Any]) -> None:
    """``recipe.toml``, ``base.toml`` and ``group.json`` of a new group."""
    seeds = describe_seeds(info["seeds"])
    directory.write_text(
        group_dir / "recipe.toml",
        f"# every run of this group replaces seed by one of: {seeds}\n"
        + recipe_to_toml(resolved.recipe),
    )
    directory.write_text(group_dir / "base.toml", recipe_to_toml(resolved.base))
    directory.write_json(group_dir / "group.json", {**info, "profile": resolved.profile})


def load_group(group_dir: str | Path, kind: str | None = None) -> tuple[Resolved, dict]:
    """The :class:`Resolved` recipe and ``group.json`` of a group directory (data only:
    TOML and JSON are read, no code runs).

    Raises:
        RecipeError: not a group directory (of ``kind``, when given).
    """
    group_dir = Path(group_dir)
    files = [group_dir / name for name in ("group.json", "recipe.toml", "base.toml")]
    if not all(path.is_file() for path in files):
        raise RecipeError(
            "--resume expects a group directory holding group.json, recipe.toml and base.toml "
            f"(made by --seeds). Received: {str(group_dir)!r}"
        )
    try:
        info = json.loads(files[0].read_text())
    except ValueError as error:
        raise RecipeError(f"{files[0]} is not valid JSON ({error})") from None
    if kind is not None and info.get("kind") != kind:
        raise RecipeError(
            f"{str(group_dir)!r} is a group of kind {info.get('kind')!r}, expected {kind!r}"
        )
    recipe, base = recipe_from_toml(files[1]), recipe_from_toml(files[2])
    return Resolved(recipe, base, info.get("profile")), info


# ----------------------------------------------------------------------------- one run


@dataclass
class SeedRun:
    """One seed of a group.

    Attributes:
        seed: the seed.
        status: ``"completed"``, ``"diverged"`` (NaN loss), ``"failed"`` (another error
            or a crashed process), ``"interrupted"`` or ``"missing"`` (never started).
        run_dir: its run directory (``None`` if none was created).
        metrics: its ``metrics.json`` (empty unless completed).
        reason: why it did not complete (one line).
        history: per-epoch curves from ``history.csv`` (supervised runs).
    """

    seed: int
    status: str
    run_dir: Path | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    history: dict[str, list[float]] = field(default_factory=dict)

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED


def run_dirs_by_seed(parent: Path, name: str) -> dict[int, list[Path]]:
    """The run directories under ``parent/name`` by seed (from their ``-s<seed>`` suffix),
    oldest first."""
    found: dict[int, list[Path]] = {}
    base = Path(parent) / name
    if not base.is_dir():
        return found
    for path in sorted(p for p in base.iterdir() if p.is_dir()):
        match = _RUN_DIR_SEED.search(path.name)
        if match:
            found.setdefault(int(match.group(1)), []).append(path)
    return found


def read_history(run_dir: Path) -> dict[str, list[float]]:
    """``history.csv`` of a run as ``{column: values}`` (``epoch`` left out)."""
    path = run_dir / "history.csv"
    if not path.is_file():
        return {}
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    history: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            if key == "epoch" or value in (None, ""):
                continue
            try:
                history.setdefault(key, []).append(float(value))
            except ValueError:
                continue
    return history


def headline_key(recipe: Recipe) -> str:
    """The row key of the recipe's expectation metric: ``test_accuracy`` for a supervised
    recipe judged on its test split, the flat name (``eval_return_mean``) otherwise."""
    expect = recipe.expect
    return f"{expect.split}_{expect.metric}" if recipe.task == "supervised" else expect.metric


def inspect_run(seed: int, run_dir: Path, recipe: Recipe) -> SeedRun:
    """What a run directory says about its seed: completed, diverged, failed or interrupted."""
    metrics_path, failed_path = run_dir / "metrics.json", run_dir / "FAILED.txt"
    if metrics_path.is_file():
        try:
            metrics = json.loads(metrics_path.read_text())
        except ValueError as error:
            return SeedRun(seed, FAILED, run_dir, reason=f"metrics.json is not JSON ({error})")
        value = metric_row(metrics, recipe).get(headline_key(recipe))
        if isinstance(value, (int, float)) and not math.isfinite(value):
            return SeedRun(seed, FAILED, run_dir, reason=f"{headline_key(recipe)} is {value}")
        return SeedRun(seed, COMPLETED, run_dir, metrics, history=read_history(run_dir))
    if failed_path.is_file():
        reason = failed_path.read_text().strip() or "FAILED.txt is empty"
        if reason.startswith("KeyboardInterrupt"):
            return SeedRun(seed, INTERRUPTED, run_dir, reason=reason)
        status = DIVERGED if reason.startswith("TrainingDivergedError") else FAILED
        return SeedRun(seed, status, run_dir, reason=reason.splitlines()[0])
    return SeedRun(seed, INTERRUPTED, run_dir, reason="no metrics.json (interrupted or killed)")


def seed_state(seed: int, parent: Path, recipe: Recipe) -> SeedRun:
    """The state of ``seed`` under ``parent``: its completed run if any, else its latest."""
    runs = [
        inspect_run(seed, d, recipe) for d in run_dirs_by_seed(parent, recipe.name).get(seed, [])
    ]
    completed = [r for r in runs if r.completed]
    if completed:
        return completed[-1]
    return runs[-1] if runs else SeedRun(seed, MISSING)


# ----------------------------------------------------------------------------- rows


def _scalar(value: Any) -> bool:
    return isinstance(value, (int, float, str, bool)) and not isinstance(value, dict)


def _supervised_row(metrics: dict) -> dict[str, Any]:
    """Final-model metrics per split (the run's own evaluation, in inference mode),
    per-class scores, gap, and the scalars of the run's probes and reports."""
    evaluation = metrics.get("evaluation") or {}
    row: dict[str, Any] = {}
    for split in ("train", "val"):
        row.update({f"{split}_{k}": v for k, v in (evaluation.get(split) or {}).items()})
    row.update({f"test_{k}": float(v) for k, v in metrics.get("test", {}).items()})
    for key in ("gap", "loss_gap"):
        if key in evaluation:
            row[key] = evaluation[key]
    row["epochs"] = metrics.get("epochs_run")
    row["parameters"] = metrics.get("parameters", {}).get("trainable")
    row.update({k: v for k, v in (metrics.get("probes") or {}).items() if _scalar(v)})
    for values in (metrics.get("reports") or {}).values():  # e.g. the paper's number beside
        row.update({k: v for k, v in (values or {}).items() if _scalar(v)})
    report = metrics.get("classification") or {}
    for name, scores in (report.get("per_class") or {}).items():
        for score in ("precision", "recall", "f1"):
            row[f"{score}_{name}"] = scores[score]
    return row


def metric_row(metrics: dict, recipe: Recipe) -> dict[str, Any]:
    """One flat row of scalars from a run's ``metrics.json`` (what ``compare`` tabulates):
    supervised runs give ``train_* / val_* / test_*``, gaps, epochs, parameters, probe and
    report scalars and per-class scores; other tasks their flat test metrics. Then
    ``wall_time_s`` and, when the expectation applies, ``reached``."""
    if recipe.task == "supervised":
        row = _supervised_row(metrics)
    else:
        row = {k: v for k, v in (metrics.get("test") or {}).items() if _scalar(v)}
    row["wall_time_s"] = metrics.get("wall_time_s")
    reached = metrics.get("expect", {}).get("reached")
    if reached is not None:
        row["reached"] = reached
    return row


# ----------------------------------------------------------------------------- execution


@dataclass(frozen=True)
class Task:
    """One run of a group: ``seed`` (of ``variant``, for a comparison) into ``parent``."""

    seed: int
    parent: Path
    variant: str | None = None
    resume_dir: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.variant} seed {self.seed}" if self.variant else f"seed {self.seed}"


def task_resolved(resolved: Resolved, task: Task) -> Resolved:
    """The recipe of one task: the group's, at the task's seed, with its variant applied."""
    out = resolved.with_overrides({"seed": task.seed})
    if task.variant is None:
        return out
    variant = next((v for v in resolved.recipe.variants if v.name == task.variant), None)
    if variant is None:
        raise RecipeError(f"recipe {resolved.recipe.name!r} has no variant {task.variant!r}")
    return out.with_overrides(
        variant.overrides, where=f"variant {variant.name!r} of recipe {resolved.recipe.name!r}"
    )


def _run_in_process(resolved: Resolved, task: Task, verbose) -> SeedRun:
    """Run one task here; a failure is a :class:`SeedRun`, not an exception."""
    arm = task_resolved(resolved, task)
    try:
        if task.resume_dir is not None:
            result = run(None, resume=task.resume_dir, verbose=verbose)
        else:
            result = run(arm, out=task.parent, verbose=verbose)
    except KeyboardInterrupt:
        raise
    except Exception as error:  # a seed's failure is recorded; the group goes on
        from dlrecipes.training import TrainingDivergedError

        status = DIVERGED if isinstance(error, TrainingDivergedError) else FAILED
        state = seed_state(task.seed, task.parent, arm.recipe)
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        return SeedRun(task.seed, status, state.run_dir, reason=reason)
    return inspect_run(task.seed, result.run_dir, arm.recipe)


def _worker_command(group_dir: Path) -> list[str]:
    code = "import sys; from dlrecipes.runs.seeds import worker_main; sys.exit(worker_main())"
    return [sys.executable, "-c", code, str(group_dir)]


def worker_main(argv: Sequence[str] | None = None) -> int:
    """A worker process of the group in ``argv[0]``: it imports the framework once, then
    runs the tasks that arrive on its standard input, one JSON object per line
    (``{"seed", "variant", "resume", "result"}``), and writes each outcome as JSON to the
    file named by ``"result"``. It ends when its input closes."""
    argv = list(sys.argv[1:] if argv is None else argv)
    group_dir = Path(argv[0])
    resolved, _ = load_group(group_dir)
    while True:
        line = sys.stdin.readline()
        if not line:
            return 0
        spec = json.loads(line)
        variant = spec.get("variant")
        parent = group_dir / variant if variant else group_dir
        resume = Path(spec["resume"]) if spec.get("resume") else None
        task = Task(int(spec["seed"]), parent, variant, resume)
        print(f"[worker] {task.label}", flush=True)
        outcome = _run_in_process(resolved, task, verbose=0)
        record = {"status": outcome.status, "reason": outcome.reason}
        record["run_dir"] = str(outcome.run_dir) if outcome.run_dir else None
        directory.write_json(Path(spec["result"]), record)
        print(f"[worker] {task.label}: {outcome.status} {outcome.reason}".rstrip(), flush=True)


def _process_outcome(task: Task, arm: Recipe, code: int, log: Path) -> SeedRun:
    """The outcome of a task whose worker process ended while running it."""
    state = seed_state(task.seed, task.parent, arm)
    if state.completed or state.status in (DIVERGED, FAILED) and state.reason:
        return state
    tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.is_file() else []
    how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    reason = f"worker process ended ({how})" + (f": {tail[0][:300]}" if tail else "")
    return SeedRun(task.seed, FAILED, state.run_dir, reason=reason)


def _result_outcome(task: Task, arm: Recipe, result: Path) -> SeedRun:
    """The outcome a worker wrote for ``task`` (re-read from its run directory)."""
    record = json.loads(result.read_text())
    run_dir = Path(record["run_dir"]) if record.get("run_dir") else None
    if record["status"] == COMPLETED and run_dir is not None:
        return inspect_run(task.seed, run_dir, arm)
    return SeedRun(task.seed, record["status"], run_dir, reason=record.get("reason", ""))


class _Worker:
    """One worker process and the task it is running (``None`` when idle)."""

    def __init__(self, number: int, group_dir: Path, env: dict[str, str]):
        self.log = group_dir / "logs" / f"worker-{number}.log"
        self.handle = self.log.open("a")
        self.process = subprocess.Popen(
            _worker_command(group_dir),
            stdin=subprocess.PIPE,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
        )
        self.busy: tuple[int, Task, Path, float] | None = None

    def send(self, index: int, task: Task, result: Path) -> None:
        result.unlink(missing_ok=True)
        spec = {"seed": task.seed, "variant": task.variant, "result": str(result)}
        spec["resume"] = str(task.resume_dir) if task.resume_dir else None
        self.process.stdin.write(json.dumps(spec) + "\n")
        self.process.stdin.flush()
        self.busy = (index, task, result, time.perf_counter())

    def close(self, stop: bool) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        if stop:
            self.process.terminate()
        try:
            self.process.wait(timeout=None if not stop else 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.handle.close()


def execute(
    group_dir: Path,
    resolved: Resolved,
    tasks: Sequence[Task],
    *,
    jobs: int = 1,
    verbose="auto",
    say: Callable[[str], None] = print,
    done: Callable[[Task, SeedRun], None] | None = None,
) -> list[SeedRun]:
    """Run ``tasks`` here one by one (``jobs=1``) or in ``jobs`` worker processes.

    Each worker process imports the framework once and runs task after task
    (:func:`worker_main`); a worker that dies (a native crash, the kernel's OOM
    killer) fails its task with the reason and is replaced for the others.

    Args:
        group_dir: the group directory (workers read its recipe.toml and base.toml).
        resolved: the group's recipe (the one those files hold).
        tasks: what to run.
        jobs: processes at a time; each gets ``cores // jobs`` threads.
        verbose: Keras progress output of runs made in this process.
        say: where progress lines go.
        done: called with each finished task and its outcome (to save progress).

    Returns:
        One :class:`SeedRun` per task, in the order of ``tasks``.
    """
    threads = threads_per_job(jobs)
    outcomes: dict[int, SeedRun] = {}

    def finish(index: int, outcome: SeedRun, seconds: float) -> None:
        outcomes[index] = outcome
        task = tasks[index]
        value = _headline_text(outcome, resolved.recipe)
        say(f"  {task.label}: {outcome.status}{value} in {seconds:.1f} s")
        if done is not None:
            done(task, outcome)

    if jobs == 1:
        for index, task in enumerate(tasks):
            say(f"[{resolved.recipe.name}] {task.label} ({index + 1}/{len(tasks)})")
            started = time.perf_counter()
            finish(index, _run_in_process(resolved, task, verbose), time.perf_counter() - started)
        return [outcomes[i] for i in range(len(tasks))]

    logs = group_dir / "logs"
    logs.mkdir(exist_ok=True)
    env = worker_environment(threads)
    count = min(jobs, len(tasks))
    say(f"[{resolved.recipe.name}] {len(tasks)} runs, {count} processes x {threads} thread(s)")
    pending = list(enumerate(tasks))
    workers = [_Worker(number, group_dir, env) for number in range(count)]
    stopped = True
    try:
        while pending or any(w.busy for w in workers):
            for number, worker in enumerate(workers):
                if worker.busy is not None:
                    index, task, result, started = worker.busy
                    arm = task_resolved(resolved, task).recipe
                    if result.is_file():
                        outcome = _result_outcome(task, arm, result)
                    elif worker.process.poll() is not None:
                        outcome = _process_outcome(task, arm, worker.process.returncode, worker.log)
                    else:
                        continue
                    worker.busy = None
                    finish(index, outcome, time.perf_counter() - started)
                if pending:
                    if worker.process.poll() is not None:  # it died: a fresh one takes over
                        worker.close(stop=False)
                        worker = workers[number] = _Worker(number, group_dir, env)
                    index, task = pending.pop(0)
                    name = f"{task.variant}-s{task.seed}" if task.variant else f"s{task.seed}"
                    try:
                        worker.send(index, task, logs / f"{name}.result.json")
                    except OSError:  # it died just now: the task goes back to the queue
                        worker.busy = None
                        pending.insert(0, (index, task))
            time.sleep(0.2)
        stopped = False
    finally:
        for worker in workers:  # interrupted: stop our own workers; else let them exit
            worker.close(stop=stopped)
    return [outcomes[i] for i in range(len(tasks))]


def _headline_text(outcome: SeedRun, recipe: Recipe) -> str:
    if not outcome.completed:
        return f" ({outcome.reason})" if outcome.reason else ""
    value = metric_row(outcome.metrics, recipe).get(headline_key(recipe))
    return f": {headline_key(recipe)} = {value:.4f}" if isinstance(value, (int, float)) else ""


def plan_tasks(
    group_dir: Path, resolved: Resolved, seeds: Sequence[int], variant: str | None = None
) -> tuple[list[Task], list[SeedRun]]:
    """The tasks still to run for ``seeds`` (of ``variant``) and the seeds already finished.

    A seed with a completed or diverged run is finished (a NaN loss is a result: it
    would diverge again); an interrupted run is continued; a failed or missing seed
    is run afresh (its old directory is kept).
    """
    parent = group_dir / variant if variant else group_dir
    tasks, finished = [], []
    for seed in seeds:
        recipe = task_resolved(resolved, Task(seed, parent, variant)).recipe
        state = seed_state(seed, parent, recipe)
        if state.status in (COMPLETED, DIVERGED):
            finished.append(state)
        elif state.status == INTERRUPTED and (state.run_dir / "recipe.toml").is_file():
            tasks.append(Task(seed, parent, variant, resume_dir=state.run_dir))
        else:
            tasks.append(Task(seed, parent, variant))
    return tasks, finished


# ----------------------------------------------------------------------------- summary


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_number(value: float | None):
    return None if value is None or not math.isfinite(value) else value


def metric_summary(values_by_seed: dict[int, float]) -> dict[str, Any]:
    """n, mean, sd, the 95% t interval, the IQM with its bootstrap interval and the values."""
    values = [float(v) for v in values_by_seed.values()]
    finite = [v for v in values if math.isfinite(v)]
    summary = stats.summarize(finite).to_json() if finite else {"n": 0}
    if finite:
        low, high = stats.bootstrap_interval(finite, "iqm")
        summary.update(
            iqm=stats.iqm(finite), iqm_ci_low=_json_number(low), iqm_ci_high=_json_number(high)
        )
    summary["values"] = {str(s): _json_number(float(v)) for s, v in values_by_seed.items()}
    return summary


def summarize_runs(runs: Sequence[SeedRun], recipe: Recipe) -> dict[str, Any]:
    """The ``summary.json`` of a group of seeds of one recipe (or one compare arm)."""
    completed = [r for r in runs if r.completed]
    rows = {r.seed: metric_row(r.metrics, recipe) for r in completed}
    names: list[str] = []
    for row in rows.values():
        names += [k for k, v in row.items() if _numeric(v) and k not in names]
    metrics = {
        name: metric_summary({s: row[name] for s, row in rows.items() if _numeric(row.get(name))})
        for name in names
        if not _SUMMARY_EXCLUDE.search(name)
    }
    summary = {
        "recipe": recipe.name,
        "seeds": [r.seed for r in runs],
        "completed": len(completed),
        "headline": headline_key(recipe),
        "metrics": metrics,
        "expect": _expectation_over_seeds(runs, recipe),
        "failed": [
            {"seed": r.seed, "status": r.status, "reason": r.reason, "run_dir": str(r.run_dir)}
            for r in runs
            if not r.completed
        ],
        "runs": {str(r.seed): str(r.run_dir) if r.run_dir else None for r in runs},
    }
    if recipe.task == "rl":
        summary["solved"] = _solved(completed)
    return summary


def _expectation_over_seeds(runs: Sequence[SeedRun], recipe: Recipe) -> dict[str, Any]:
    """The expectation per seed (reached in k/n) and on the mean over completed seeds."""
    expect = recipe.expect
    verdicts = {r.seed: r.metrics.get("expect", {}) for r in runs if r.completed}
    values = [v.get("value") for v in verdicts.values() if _numeric(v.get("value"))]
    applies = all(v.get("applies", True) for v in verdicts.values()) and bool(verdicts)
    reached = [s for s, v in verdicts.items() if v.get("reached")]
    value = stats.mean(values) if values and all(math.isfinite(v) for v in values) else None
    return {
        "metric": expect.metric,
        "split": expect.split,
        "threshold": expect.threshold,
        "higher_is_better": expect.higher_is_better,
        "data": expect.data,
        "applies": applies,
        "seeds": len(runs),
        "reached_seeds": len(reached) if applies else None,
        "reached_in": reached if applies else None,
        "mean": value,
        "reached_on_mean": bool(expect.reached(value)) if applies and value is not None else None,
    }


def _solved(completed: Sequence[SeedRun]) -> dict[str, Any]:
    """RL: how many seeds solved the environment, at which step and after how long."""
    solved = [r for r in completed if (r.metrics.get("test") or {}).get("solved")]
    steps = [float(r.metrics["test"]["solved_at_step"]) for r in solved]
    times = [float(r.metrics["test"]["time_to_solve_s"]) for r in solved]
    return {
        "solved_seeds": len(solved),
        "seeds": len(completed),
        "solved_in": [r.seed for r in solved],
        "steps_to_solve": metric_summary(dict(zip([r.seed for r in solved], steps)))
        if solved
        else None,
        "time_to_solve_s": metric_summary(dict(zip([r.seed for r in solved], times)))
        if solved
        else None,
    }


def write_summary(group_dir: Path, summary: dict[str, Any]) -> None:
    """``summary.json`` and ``summary.csv`` (one row per metric, one column per seed)."""
    directory.write_json(group_dir / "summary.json", summary)
    seeds = [str(s) for s in summary["seeds"]]
    columns = ["metric", "n", "mean", "sd", "ci_low", "ci_high", "iqm", "iqm_ci_low", "iqm_ci_high"]
    lines = [",".join(columns + [f"seed_{s}" for s in seeds])]
    for name, row in summary["metrics"].items():
        cells = [name] + ["" if row.get(c) is None else repr(row.get(c)) for c in columns[1:]]
        cells += ["" if row["values"].get(s) is None else repr(row["values"][s]) for s in seeds]
        lines.append(",".join(cells))
    directory.write_text(group_dir / "summary.csv", "\n".join(lines) + "\n")


def format_summary(summary: dict[str, Any], limit: int = 12) -> str:
    """The summary as text: the headline first, then up to ``limit`` metrics, then the
    expectation over seeds and any failed seeds."""
    metrics = summary["metrics"]
    headline = summary["headline"]
    order = [headline] if headline in metrics else []
    order += [k for k in metrics if k != headline and not k.startswith(("train_", "val_"))]
    rows = []
    for name in order[:limit]:
        row = metrics[name]
        rows.append(
            [
                name,
                str(row.get("n", 0)),
                _number(row.get("mean")),
                _number(row.get("sd")),
                f"[{_number(row.get('ci_low'))}, {_number(row.get('ci_high'))}]",
                _number(row.get("iqm")),
            ]
        )
    header = ["metric", "n", "mean", "sd", "95% CI", "IQM"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)] if rows else []
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))] if rows else []
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.append(expectation_line(summary))
    solved = summary.get("solved")
    if solved:
        lines.append(solved_line(solved))
    for failure in summary["failed"]:
        lines.append(f"seed {failure['seed']} {failure['status']}: {failure['reason']}")
    return "\n".join(lines)


def _number(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.3e}"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def expectation_line(summary: dict[str, Any]) -> str:
    """``"expect test accuracy >= 0.9: reached in 5/5 seeds and on the mean (0.9411)"``."""
    expect = summary["expect"]
    sign = ">=" if expect["higher_is_better"] else "<="
    head = f"expect {expect['split']} {expect['metric']} {sign} {expect['threshold']}"
    if not expect["applies"]:
        return f"{head}: not applicable (this group used other data or a profile)"
    if expect["mean"] is None:
        return f"{head}: no seed completed"
    on_mean = "and on the mean" if expect["reached_on_mean"] else "but NOT on the mean"
    if not expect["reached_seeds"]:
        on_mean = "and on the mean" if not expect["reached_on_mean"] else "but on the mean"
        return (
            f"{head}: NOT reached in any of {summary['completed']} seeds "
            f"({on_mean}: {expect['mean']:.4f})"
        )
    return (
        f"{head}: reached in {expect['reached_seeds']}/{expect['seeds']} seeds {on_mean} "
        f"({expect['mean']:.4f})"
    )


def solved_line(solved: dict[str, Any]) -> str:
    """``"solved in 4/5 seeds, at step 21,000 on average (95% CI ...), after 9.1 s"``."""
    head = f"solved in {solved['solved_seeds']}/{solved['seeds']} seeds"
    steps, times = solved.get("steps_to_solve"), solved.get("time_to_solve_s")
    if not steps:
        return head
    return (
        f"{head}, at step {steps['mean']:,.0f} on average (IQM {steps['iqm']:,.0f}), "
        f"after {times['mean']:.1f} s of training on average"
    )


# ----------------------------------------------------------------------------- plots


def write_curves(
    plot_dir: Path, recipe: Recipe, arms: dict[str, Sequence[SeedRun]], prefix: str
) -> list[Path]:
    """Learning curves over seeds, one band per arm (supervised: ``history.csv`` per
    epoch; RL: training returns on a grid of env steps, IQM with a bootstrap band)."""
    from dlrecipes.reports.bands import band_overlay, common_grid

    written: list[Path] = []
    if recipe.task == "rl":
        figures = (
            # (file, curves of a run, ylabel, hold the last value after a run stopped)
            ("returns_greedy", _greedy_returns, "greedy evaluation return", True),
            ("returns", _episodes, "training episode return (mean of last 20)", False),
        )
        for name, read, ylabel, hold in figures:
            found = {
                arm: [c for c in (read(r.run_dir) for r in runs if r.completed) if c[0]]
                for arm, runs in arms.items()
            }
            largest = max((max(c[0]) for cs in found.values() for c in cs), default=0.0)
            curves, x = {}, None
            for arm, measured in found.items():
                if measured:
                    x, curves[arm] = common_grid(
                        [c[0] for c in measured],
                        [c[1] for c in measured],
                        largest=largest,
                        hold=hold,
                    )
            if curves:
                note = "a seed stopped once solved keeps its last value" if hold else ""
                written.append(
                    band_overlay(
                        curves,
                        plot_dir / f"{prefix}{name}.png",
                        x=x,
                        xlabel="env step",
                        ylabel=ylabel,
                        title=f"{recipe.name}: {ylabel}" + (f" ({note})" if note else ""),
                        center="iqm",
                    )
                )
        return written
    histories = {
        name: [r.history for r in runs if r.completed and r.history] for name, runs in arms.items()
    }
    keys = [k for k in _shared_keys(histories) if not k.startswith("val_")]
    single = len(arms) == 1
    for key in keys:
        if single:  # one recipe: training and validation on one axis
            (runs,) = histories.values()
            curves = {"train": [h[key] for h in runs]}
            if all(f"val_{key}" in h for h in runs):
                curves["validation"] = [h[f"val_{key}"] for h in runs]
            targets = [(key, curves)]
        else:  # a comparison: one figure per curve, one band per arm
            targets = [
                (k, {name: [h[k] for h in hs] for name, hs in histories.items()})
                for k in (key, f"val_{key}")
                if all(k in h for hs in histories.values() for h in hs)
            ]
        for name, curves in targets:
            values = [x for c in curves.values() for curve in c for x in curve]
            log_y = (
                "loss" in name
                and bool(values)
                and min(values) > 0
                and max(values) > 10 * min(values)
            )
            path = plot_dir / f"{prefix}{name}.png"
            band_overlay(
                curves, path, ylabel=name, title=f"{recipe.name}: {name} per epoch", log_y=log_y
            )
            written.append(path)
    return written


def _shared_keys(histories: dict[str, list[dict]]) -> list[str]:
    every = [h for hs in histories.values() for h in hs]
    if not every:
        return []
    shared = set.intersection(*(set(h) for h in every)) - {"learning_rate"}
    first = ["loss", "accuracy"]
    return [k for k in first if k in shared] + sorted(k for k in shared if k not in first)


def _greedy_returns(run_dir: Path | None) -> tuple[list[float], list[float]]:
    """The periodic greedy evaluations of an RL run (``eval/return_mean`` by env step),
    read from its TensorBoard event files as data (protobuf records; no TensorFlow)."""
    from dlrecipes import event_files

    folder = None if run_dir is None else run_dir / "tensorboard"
    points = dict(event_files.scalars(folder).get("eval/return_mean", [])) if folder else {}
    steps = sorted(points)
    return [float(s) for s in steps], [points[s] for s in steps]


def _episodes(run_dir: Path | None) -> tuple[list[float], list[float]]:
    """Env steps and the running mean (last 20) of training returns from ``episodes.csv``."""
    path = None if run_dir is None else run_dir / "episodes.csv"
    if path is None or not path.is_file():
        return [], []
    steps, returns = [], []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            steps.append(float(row["env_step"]))
            returns.append(float(row["return"]))
    window = [
        sum(returns[max(0, i - 19) : i + 1]) / len(returns[max(0, i - 19) : i + 1])
        for i in range(len(returns))
    ]
    return steps, window


# ----------------------------------------------------------------------------- the group


@dataclass
class SeedsResult:
    """What :func:`run_seeds` produced.

    Attributes:
        group_dir: the group directory.
        recipe: the group's resolved recipe (at its declared seed).
        runs: one :class:`SeedRun` per seed, in seed order.
        summary: the content of ``summary.json``.
        plots: the figures written under ``group_dir / "plots"``.
        report: the HTML report, if one was written.
    """

    group_dir: Path
    recipe: Recipe
    runs: list[SeedRun]
    summary: dict[str, Any]
    plots: list[Path] = field(default_factory=list)
    report: Path | None = None

    @property
    def completed(self) -> list[SeedRun]:
        return [r for r in self.runs if r.completed]

    def table(self) -> str:
        """The summary as text (see :func:`format_summary`)."""
        return format_summary(self.summary)


def new_group(resolved: Resolved, seeds, out, jobs, kind: str, prefix: str, **extra):
    group_dir = make_group_dir(out, resolved.recipe.name, prefix)
    directory.claim(group_dir)  # released when this attempt has written its summary
    info = {
        "kind": kind,
        "recipe": resolved.recipe.name,
        "seeds": list(seeds),
        "jobs": jobs,
        "threads_per_job": threads_per_job(jobs),
        "created": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        **extra,
    }
    write_group(group_dir, resolved, info)
    return group_dir, info


def resume_group(
    resume, seeds, kind: str, recipe=None, given: dict[str, Any] | None = None
) -> tuple[Path, Resolved, dict, list[int]]:
    """A group to continue: its directory, recipe, info and seeds (with any ``seeds`` added).

    Args:
        resume: the group directory.
        seeds: seeds to add to the group's (or ``None``).
        kind: ``"seeds"`` or ``"compare"``.
        recipe: the recipe named with ``--resume`` (it must be the group's), or ``None``.
        given: options that would change the recorded recipe (profile, config, overrides):
            any that is set is refused.

    Raises:
        RecipeError: not such a group, another recipe named, or an option that would
            change what the group runs.
    """
    group_dir = Path(resume)
    resolved, info = load_group(group_dir, kind)
    set_options = [name for name, value in (given or {}).items() if value]
    if set_options:
        raise RecipeError(
            f"--resume runs the group's recorded recipe; it takes no --{set_options[0]}. "
            f"Received: --{set_options[0]} {given[set_options[0]]!r}"
        )
    name = getattr(recipe, "name", recipe)
    if name is not None and str(name) not in (resolved.recipe.name, str(group_dir)):
        raise RecipeError(
            f"--resume {str(group_dir)!r} is a group of recipe {resolved.recipe.name!r}. "
            f"Received recipe: {str(name)!r}"
        )
    # Two attempts at one group would run the same seeds twice: the second is refused.
    directory.claim(group_dir)
    wanted = list(info.get("seeds") or [])
    wanted += [s for s in (parse_seeds(seeds) if seeds is not None else ()) if s not in wanted]
    if wanted != info.get("seeds"):
        directory.write_json(group_dir / "group.json", {**info, "seeds": wanted})
        info = {**info, "seeds": wanted}
    return group_dir, resolved, info, wanted


def run_seeds(
    recipe: str | Path | Recipe | Resolved | None = None,
    *,
    seeds: str | int | Iterable[int] | None = None,
    jobs: int = 1,
    profile: str | None = None,
    smoke: bool = False,
    config: str | Path | dict | None = None,
    overrides=(),
    out: str | Path = "runs",
    resume: str | Path | None = None,
    verbose: str | int = 0,
    quiet: bool = False,
    report: bool = True,
) -> SeedsResult:
    """Run one recipe with several seeds and summarise them (see the module docstring).

    Args:
        recipe: a built-in name, a ``.toml`` / ``.py`` path, a :class:`Recipe` or a
            :class:`Resolved` one (``None`` with ``resume``).
        seeds: ``"0-4"``, ``5`` (the first five), ``"0,3,7"`` or a list (:func:`parse_seeds`).
        jobs: runs at a time (worker processes when > 1, each with ``cores // jobs`` threads).
        profile, smoke, config, overrides: as for :func:`dlrecipes.runs.run`.
        out: the root of run directories.
        resume: a group directory to complete (only its unfinished seeds run).
        verbose: Keras progress output of runs made in this process (0 = silent).
        quiet: print nothing.
        report: write ``report.html`` into the group directory.

    Returns:
        A :class:`SeedsResult`.

    Raises:
        RecipeError: a bad recipe, override or ``--seeds`` / ``--jobs`` value (nothing
            is written), or a ``resume`` that is not a group directory.
    """
    say = (lambda *a: None) if quiet else (lambda text: print(text, flush=True))
    threads_per_job(jobs)  # a bad --jobs fails before anything is written
    started = time.perf_counter()
    if resume is not None:
        given = {"profile": profile, "smoke": smoke, "config": config, "set": overrides}
        group_dir, resolved, info, wanted = resume_group(resume, seeds, "seeds", recipe, given)
    else:
        if seeds is None:
            raise RecipeError("run_seeds needs seeds, e.g. seeds='0-4'")
        wanted = list(parse_seeds(seeds))
        resolved = _resolve(recipe, profile, smoke, config, overrides)
        for seed in wanted:  # every seed resolves (and so validates) before anything runs
            task_resolved(resolved, Task(seed, Path(out)))
        group_dir, info = new_group(resolved, wanted, out, jobs, "seeds", "seeds-")
    base = resolved.recipe
    earlier = previous_wall(group_dir / "summary.json")  # summary.json is rewritten as seeds end
    tasks, finished = plan_tasks(group_dir, resolved, wanted)
    say(
        f"[seeds {base.name}] seeds {describe_seeds(wanted)}: {len(tasks)} to run, "
        f"{len(finished)} already finished -> {group_dir}"
    )
    outcomes = {r.seed: r for r in finished}

    def save(task: Task, outcome: SeedRun) -> None:  # keep summary.json current as seeds finish
        outcomes[task.seed] = outcome
        runs = [outcomes[s] for s in wanted if s in outcomes]
        write_summary(group_dir, summarize_runs(runs, base))

    try:
        execute(group_dir, resolved, tasks, jobs=jobs, verbose=verbose, say=say, done=save)
    finally:
        runs = [outcomes.get(s) or SeedRun(s, MISSING) for s in wanted]
        summary = summarize_runs(runs, base)
        summary["wall_time_s"] = round(earlier + time.perf_counter() - started, 3)
        summary["jobs"], summary["threads_per_job"] = jobs, threads_per_job(jobs)
        write_summary(group_dir, summary)
        directory.release(group_dir)
    plots = write_curves(group_dir / "plots", base, {base.name: runs}, "seeds_")
    outcome = SeedsResult(group_dir, base, runs, summary, plots)
    if report:
        outcome.report = write_report(group_dir)
    say("")
    say(outcome.table())
    say(f"wall {summary['wall_time_s']:.1f} s ({jobs} job(s)); group directory: {group_dir}")
    if outcome.report is not None:
        say(f"report: {outcome.report}")
    return outcome


def previous_wall(path: Path) -> float:
    """The ``wall_time_s`` an earlier attempt recorded in ``path`` (0 if none): a resumed
    group reports the time of all its attempts together."""
    try:
        return float(json.loads(path.read_text()).get("wall_time_s") or 0.0)
    except (OSError, ValueError, TypeError, AttributeError):
        return 0.0


def _resolve(recipe, profile, smoke, config, overrides) -> Resolved:
    if isinstance(recipe, Resolved):
        if profile or smoke or config is not None or overrides:
            raise RecipeError(
                "a Resolved recipe takes no profile, config or overrides: they are already applied"
            )
        return recipe
    if recipe is None:
        raise RecipeError("name a recipe, or give resume=GROUP_DIR")
    return prepare(recipe, profile=profile, smoke=smoke, config=config, overrides=overrides)


def write_report(path: Path) -> Path:
    """``path / "report.html"``: the self-contained HTML report of a run, group or comparison."""
    from dlrecipes.reports.html import render_report

    target = Path(path) / "report.html"
    directory.write_text(target, render_report([Path(path)]))
    return target
