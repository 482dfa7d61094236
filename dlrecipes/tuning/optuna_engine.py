"""The Optuna engine: the same declared space and trial code, a study in a database.

Keras Tuner (the default engine) keeps the search state in one *chief* process
that serves it over gRPC; when a worker dies mid-trial that trial stays
"running" for ever and the chief never exits (see ``bench/tune_kill_worker.py``).
Optuna keeps the state in a *storage* that every worker reads and writes, so there
is no chief: ``K`` workers each ask the study for a trial, train it and tell the
result, until ``N`` trials have ended.

Storages (``--storage URL``):

| URL                             | for                        | a killed worker's trial   |
|---------------------------------|----------------------------|---------------------------|
| none (``OUT/.../study.journal``)| one machine, any workers   | failed, rerun once (pid)  |
| ``journal:/path/file``          | a shared file system       | same (same host only)     |
| ``postgresql://user@host/db``   | many machines              | failed, rerun once        |
|                                 |                            | (heartbeat, grace period) |
| ``sqlite:///file.db``           | one process only           | refused with ``--workers``|

With PostgreSQL every running trial writes a heartbeat every
``heartbeat_seconds``; a trial whose heartbeat is older than the grace period
(3 heartbeats) is marked ``FAIL`` by the next worker that looks
(``optuna.storages.fail_stale_trials``) and :func:`retry_once` (Optuna's
``RetryHeartbeatStaleTrialCallback(max_retry=1)``) enqueues a copy with the same
values, which the next free worker runs. A journal
file has no heartbeats; there a trial ``RUNNING`` in a process of this host
that no longer exists is failed and re-enqueued the same way (under a file lock,
so exactly once).

**Exactly N trials**: before each trial a worker counts the trials that ended
(``COMPLETE`` or ``PRUNED``) and those running; it stops at ``N`` ended and waits
while ``ended + running >= N`` (a running one may still fail). Two workers
that ask at the same instant can both get a trial; the one with the higher number
is then *surplus*: it is told ``FAIL`` at once with the user attribute
``surplus`` and left out of every count and table. Rerunning the command therefore
adds nothing to a finished study.

**Pruning** (``--pruner median|hyperband``): a Keras callback reports the
objective after every epoch (``trial.report(value, epoch)``); when the pruner says
so the fit stops and the trial ends ``PRUNED`` (Li et al. 2018 for Hyperband; the
median rule of Golovin et al. 2017, Google Vizier).

Samplers: ``random`` (Bergstra & Bengio 2012), ``tpe`` (Bergstra et al. 2011),
``gp`` (Gaussian-process Bayesian optimisation; needs PyTorch), ``cmaes``
(Hansen's CMA-ES; numeric parameters only, choices fall back to random).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import socket
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dlrecipes.spec import Hyperparameter, Recipe, RecipeError, resolve
from dlrecipes.tuning.search_progress import SearchProgress, rss_mb
from dlrecipes.tuning.space import choice_labels

ENGINES = ("keras_tuner", "optuna")
SAMPLERS = ("random", "tpe", "gp", "cmaes")
PRUNERS = ("none", "median", "hyperband")
JOURNAL_NAME = "study.journal"
# Set in each worker process: its index (different sampler seeds, the trial log).
ENV_WORKER = "DLRECIPES_OPTUNA_WORKER"
HEARTBEAT_SECONDS = 10
POLL_SECONDS = 1.0
# Optuna's states as the results table names them (Keras Tuner's words).
STATUS = {
    "COMPLETE": "COMPLETED",
    "FAIL": "FAILED",
    "PRUNED": "PRUNED",
    "RUNNING": "RUNNING",
    "WAITING": "WAITING",
}


def search_label(sampler: str) -> str:
    """The search directory's suffix: ``search-optuna-<sampler>``."""
    return f"optuna-{sampler}"


def study_name(recipe: Recipe, sampler: str) -> str:
    """``<recipe>/search-optuna-<sampler>``: one study per search directory."""
    return f"{recipe.name}/search-{search_label(sampler)}"


# --------------------------------------------------------------------------- storage


def check_storage(url: str | None, workers: int) -> None:
    """Refuse a storage that cannot take this many writers (one line, before anything)."""
    if url and url.startswith("sqlite") and workers > 1:
        raise RecipeError(
            f"SQLite cannot take {workers} workers writing at once (database locks); use the "
            "default journal file (no --storage) or a postgresql:// URL. Received: "
            f"--storage {url} --workers {workers}"
        )
    if url and not url.startswith(("journal:", "sqlite", "postgresql", "postgres", "mysql")):
        raise RecipeError(
            "--storage must be journal:PATH, sqlite:///PATH or a postgresql:// / mysql:// URL. "
            f"Received: {url!r}"
        )


def _database_url(url: str) -> str:
    """``postgresql://`` with psycopg 3 when psycopg2 is not installed (SQLAlchemy's default)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            try:
                import psycopg2  # noqa: F401
            except ImportError:
                return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def open_storage(url: str | None, search_dir: Path, heartbeat_seconds: int = HEARTBEAT_SECONDS):
    """The Optuna storage for ``url`` (``None``: the journal file in the search directory).

    A database storage gets heartbeats every ``heartbeat_seconds``, a grace period
    of three heartbeats and :func:`retry_once`.
    """
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    if not url or url.startswith("journal:"):
        path = Path(url[len("journal:") :]) if url else search_dir / JOURNAL_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path)))
    if url.startswith("sqlite"):
        return optuna.storages.RDBStorage(url)
    try:
        callback = retry_once()
        name = "failed_trial_callback"
        if type(callback).__name__ == "RetryHeartbeatStaleTrialCallback":
            name = "heartbeat_stale_trial_callback"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(
                _database_url(url),
                heartbeat_interval=heartbeat_seconds,
                grace_period=3 * heartbeat_seconds,
                **{name: callback},
            )
    except ImportError as error:
        raise RecipeError(
            f"the storage {url} needs a database driver: pip install 'dlrecipes[search]' ({error})"
        ) from None
    except Exception as error:  # SQLAlchemy's OperationalError: no server, bad password
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise RecipeError(f"cannot open the storage {url}: {first}") from None


def retry_once():
    """Optuna's callback that enqueues a copy of a failed trial, at most once per trial.

    ``RetryHeartbeatStaleTrialCallback`` from Optuna 4.9 (``RetryFailedTrialCallback``
    before; same behaviour). The copy keeps the values and records the failed trial
    in its ``failed_trial`` system attribute.
    """
    import warnings

    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "experimental" / "deprecated" notices
        if hasattr(optuna.storages, "RetryHeartbeatStaleTrialCallback"):
            return optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1)
        return optuna.storages.RetryFailedTrialCallback(max_retry=1)


def has_heartbeat(storage) -> bool:
    from optuna.storages._heartbeat import is_heartbeat_enabled

    return is_heartbeat_enabled(storage)


# --------------------------------------------------------------------------- space


def suggest(trial, param: Hyperparameter) -> Any:
    """Draw ``param`` on an Optuna trial; returns the recipe value.

    ``log_uniform`` -> ``suggest_float(log=True)``, ``uniform`` -> ``suggest_float``
    (with its step), ``int`` -> ``suggest_int``, ``choice`` / ``boolean`` ->
    ``suggest_categorical`` (values Optuna cannot store, such as tuples, are drawn
    as string labels and mapped back, as for Keras Tuner).
    """
    name = param.path
    if param.kind == "boolean":
        return trial.suggest_categorical(name, [False, True])
    if param.kind == "choice":
        labels = choice_labels(param)
        if labels is None:
            return trial.suggest_categorical(name, list(param.values))
        return labels[trial.suggest_categorical(name, list(labels))]
    if param.kind == "int":
        low, high, step = int(param.low), int(param.high), int(param.step or 1)
        return trial.suggest_int(name, low, high, step=step)
    return trial.suggest_float(
        name,
        float(param.low),
        float(param.high),
        step=param.step,
        log=param.kind == "log_uniform",
    )


def make_sampler(name: str, seed: int | None):
    """The Optuna sampler ``name`` (each worker gets its own seed)."""
    import optuna

    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "cmaes":
        try:
            import cmaes  # noqa: F401
        except ImportError:
            raise RecipeError("--sampler cmaes needs cmaes: pip install cmaes") from None
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    if name == "gp":
        try:
            import torch  # noqa: F401
        except ImportError:
            raise RecipeError("--sampler gp needs PyTorch: pip install torch") from None
        return optuna.samplers.GPSampler(seed=seed)
    raise RecipeError(f"sampler must be one of {', '.join(SAMPLERS)}. Received: {name!r}")


def make_pruner(name: str, epochs: int):
    """``none``, ``median`` (after 2 trials and 1 epoch) or ``hyperband`` (1..epochs)."""
    import optuna

    if name == "none":
        return optuna.pruners.NopPruner()
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(2, epochs))
    raise RecipeError(f"pruner must be one of {', '.join(PRUNERS)}. Received: {name!r}")


def pruning_callback(trial, objective: str):
    """A Keras callback: ``trial.report(logs[objective], epoch)`` after every epoch.

    When the pruner says the trial should stop, training stops at the end of that
    epoch and ``callback.pruned`` is set (the caller raises ``optuna.TrialPruned``).
    """
    import keras

    class OptunaPruning(keras.callbacks.Callback):
        pruned = False

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(objective)
            if value is None:
                return
            trial.report(float(value), epoch)
            if trial.should_prune():
                self.pruned = True
                self.model.stop_training = True

    return OptunaPruning()


# --------------------------------------------------------------------------- counting


def _is_surplus(trial) -> bool:
    return bool(trial.user_attrs.get("surplus"))


def counts(study) -> tuple[int, int]:
    """``(ended, running)``: trials ``COMPLETE`` or ``PRUNED``, and ``RUNNING`` or ``WAITING``."""
    from optuna.trial import TrialState

    ended = running = 0
    for trial in study.get_trials(deepcopy=False):
        if _is_surplus(trial):
            continue
        if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
            ended += 1
        elif trial.state in (TrialState.RUNNING, TrialState.WAITING):
            running += 1
    return ended, running


def _earlier_live(study, number: int) -> int:
    from optuna.trial import TrialState

    live = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
    return sum(
        1
        for t in study.get_trials(deepcopy=False)
        if t.number < number and t.state in live and not _is_surplus(t)
    )


@contextlib.contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_orphans(study, storage, search_dir: Path) -> list[int]:
    """Fail and re-enqueue (once) the trials of dead processes of this host.

    For storages without heartbeats (the journal file): a trial ``RUNNING`` whose
    ``host`` is this machine and whose ``pid`` no longer exists was lost with its
    worker. It is marked ``FAIL`` and :func:`retry_once`
    enqueues a copy with the same values (a copy of a copy is not retried again).
    A file lock makes the check-and-fail happen once however many workers look.

    Returns:
        The numbers of the trials failed here.
    """
    from optuna.trial import TrialState

    host = socket.gethostname()
    failed = []
    with _file_lock(search_dir / "recover.lock"):
        retry = retry_once()
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            attrs = trial.user_attrs
            if attrs.get("host") != host or "pid" not in attrs or _alive(int(attrs["pid"])):
                continue
            storage.set_trial_user_attr(
                trial._trial_id, "message", f"worker {attrs.get('worker')} died during the trial"
            )
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
            retry(study, storage.get_trial(trial._trial_id))
            failed.append(trial.number)
    return failed


# --------------------------------------------------------------------------- workers


class StudyProgress(SearchProgress):
    """:class:`SearchProgress` counting the study's ended trials instead of Keras Tuner's."""

    def __init__(self, study, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study

    def done_count(self) -> int:
        return counts(self.study)[0]


def run_worker(
    base: Recipe,
    params: Sequence[Hyperparameter],
    splits,
    *,
    study,
    storage,
    trials: int,
    search_dir: Path,
    worker: str,
    verbose: int = 1,
) -> int:
    """Run trials of ``study`` until ``trials`` have ended; returns how many ran here."""
    import keras
    import keras_tuner
    import optuna

    from dlrecipes.tuning.recipe_hypermodel import RecipeHyperModel

    hypermodel = RecipeHyperModel(base, splits, params, verbose=2 if verbose >= 2 else 0)
    objective = base.search.objective
    progress = StudyProgress(
        study, search_dir, trials, objective, base.search.direction, worker, verbose
    )
    if worker != "worker0" or ENV_WORKER in os.environ:
        progress.prefix = f"[{worker}] "
    heartbeat = has_heartbeat(storage)

    class Surplus(Exception):
        pass

    def run_trial(trial) -> float:
        for key, value in (
            ("worker", worker),
            ("pid", os.getpid()),
            ("host", socket.gethostname()),
        ):
            trial.set_user_attr(key, value)
        if _earlier_live(study, trial.number) >= trials:
            trial.set_user_attr("surplus", True)
            raise Surplus(f"trial {trial.number} is beyond the {trials} of the search")
        values = {p.path: suggest(trial, p) for p in params}
        recipe = resolve(base, overrides=values)
        progress.trial_started(str(trial.number))
        keras.backend.clear_session()
        model = hypermodel.build_recipe(recipe)
        callback = pruning_callback(trial, objective)
        started = time.perf_counter()
        try:
            metrics = hypermodel.fit_recipe(recipe, model, callbacks=[callback])
        finally:
            del model
            keras.backend.clear_session()
            gc.collect()
        trial.set_user_attr("seconds", round(time.perf_counter() - started, 3))
        trial.set_user_attr("rss_mb", round(rss_mb(), 1))
        trial.set_user_attr("metrics", metrics)
        if callback.pruned:
            raise optuna.TrialPruned(f"pruned after epoch {int(metrics['epochs_run'])}")
        return metrics[objective]

    def report(study_, frozen) -> None:
        if _is_surplus(frozen):
            return
        status = STATUS.get(frozen.state.name, frozen.state.name)
        best = _best(study_, base.search.direction)
        progress.trial_ended(str(frozen.number), status, frozen.value, best)

    progress.search_started()
    ran = 0
    while True:
        if heartbeat:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)
        else:
            recover_orphans(study, storage, search_dir)
        ended, running = counts(study)
        if ended >= trials:
            return ran
        if ended + running >= trials and not _waiting(study):
            time.sleep(POLL_SECONDS)  # a running trial may still fail and be retried
            continue
        try:
            study.optimize(
                run_trial,
                n_trials=1,
                catch=(keras_tuner.errors.FailedTrialError, Surplus),
                callbacks=[report],
                gc_after_trial=False,
                show_progress_bar=False,
            )
        except (ValueError, optuna.exceptions.UpdateFinishedTrialError) as error:
            if not _taken_over(error):
                raise
            # Another worker saw no heartbeat within the grace period (this process was
            # starved of CPU) and failed the trial; its retry copy runs instead.
            if verbose:
                print(
                    f"{progress.prefix}a trial of this worker was failed by another worker "
                    f"(its heartbeat came too late); its retry runs instead: {error}",
                    flush=True,
                )
        ran += 1


def _taken_over(error: Exception) -> bool:
    """Whether ``error`` says this worker's trial was already finished by someone else."""
    import optuna

    if isinstance(error, optuna.exceptions.UpdateFinishedTrialError):
        return True
    return str(error).startswith("Cannot tell a FAIL trial")


def _waiting(study) -> bool:
    from optuna.trial import TrialState

    return bool(study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))


def _best(study, direction: str):
    from optuna.trial import TrialState

    done = [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if not _is_surplus(t)
    ]
    if not done:
        return None
    sign = 1 if direction == "max" else -1
    best = max(done, key=lambda t: (sign * t.value, -t.number))
    return best.value, str(best.number)


def create_study(storage, recipe: Recipe, sampler: str, pruner: str, seed: int | None):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(
        storage=storage,
        study_name=study_name(recipe, sampler),
        direction="maximize" if recipe.search.direction == "max" else "minimize",
        sampler=make_sampler(sampler, seed),
        pruner=make_pruner(pruner, recipe.train.epochs),
        load_if_exists=True,
    )


def delete_study(storage, recipe: Recipe, sampler: str) -> None:
    import optuna

    with contextlib.suppress(KeyError):
        optuna.delete_study(study_name=study_name(recipe, sampler), storage=storage)


# --------------------------------------------------------------------------- results


def read_study(study, params: Sequence[Hyperparameter], objective: str) -> list[dict[str, Any]]:
    """One row per trial of the study (surplus ones left out), as :func:`read_trials` gives.

    Columns: ``trial`` (Optuna's number), ``status`` (``COMPLETED``, ``FAILED``,
    ``PRUNED``, ``RUNNING``, ``WAITING``), each searched path, the objective and
    the other metrics at the best epoch, ``seconds``, ``worker``, ``rss_mb``,
    ``retry_of`` (the failed trial a retry repeats) and ``message``.
    """
    rows = []
    for trial in study.get_trials(deepcopy=False):
        if _is_surplus(trial):
            continue
        attrs = trial.user_attrs
        row: dict[str, Any] = {
            "trial": str(trial.number),
            "status": STATUS.get(trial.state.name, trial.state.name),
        }
        for param in params:
            value = trial.params.get(param.path)
            labels = choice_labels(param) if param.kind == "choice" else None
            row[param.path] = labels.get(value, value) if labels else value
        metrics = dict(attrs.get("metrics") or {})
        score = trial.value if trial.state.name == "COMPLETE" else None
        row[objective] = None if score is None else float(score)
        for name in sorted(metrics):
            if name != objective:
                row[name] = metrics[name]
        row["seconds"] = attrs.get("seconds")
        row["worker"] = attrs.get("worker")
        row["rss_mb"] = attrs.get("rss_mb")
        retried = trial.system_attrs.get("failed_trial")  # Optuna's retry callback's record
        row["retry_of"] = None if retried is None else str(retried)
        if trial.state.name == "COMPLETE":
            pass
        elif attrs.get("message"):
            row["message"] = attrs["message"]
        elif trial.state.name == "FAIL" and trial.system_attrs.get("fail_reason"):
            row["message"] = str(trial.system_attrs["fail_reason"]).strip().splitlines()[-1]
        rows.append(row)
    return rows
