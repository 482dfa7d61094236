"""The Optuna engine: space mapping, storages, one code path, resume, pruning, fault tolerance.

PostgreSQL tests run against a real server started for the session (``conftest.py``).
The killed worker of the fast tests is a real Optuna worker process (the engine's
own storage, study and ``suggest``, with heartbeats) that holds a trial and is
SIGKILLed; the whole ``tune --workers 2`` with a SIGKILLed training worker is in
the slow tests at the end.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

optuna = pytest.importorskip("optuna")

from dlrecipes import tuning  # noqa: E402
from dlrecipes.cli import main  # noqa: E402
from dlrecipes.recipe import Hyperparameter, RecipeError, choice  # noqa: E402
from dlrecipes.tuning import optuna_engine  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
FAST = ["data.limit=192", "train.epochs=2", "train.jit_compile=false"]
NAME = "softmax_regression"


def _rows(search_dir: Path) -> list[dict]:
    with (search_dir / "results.csv").open() as handle:
        return list(csv.DictReader(handle))


def _study(storage, sampler="random"):
    from dlrecipes import registry

    return optuna.load_study(
        study_name=optuna_engine.study_name(registry.get(NAME), sampler), storage=storage
    )


# --------------------------------------------------------------------------- the space


def test_suggest_draws_every_kind_inside_its_range():
    params = [
        Hyperparameter("train.learning_rate", "log_uniform", low=1e-4, high=1e-1),
        Hyperparameter("model.options.dropout", "uniform", low=0.0, high=0.5, step=0.1),
        Hyperparameter("model.options.num_layers", "int", low=1, high=5, step=2),
        choice("model.options.hidden_units", (64,), (128, 64)),
        Hyperparameter("train.shuffle", "boolean"),
    ]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = []
    for _ in range(30):
        trial = study.ask()
        values = {p.path: optuna_engine.suggest(trial, p) for p in params}
        study.tell(trial, 0.0)
        seen.append(values)
    lrs = [v["train.learning_rate"] for v in seen]
    assert all(1e-4 <= lr <= 1e-1 for lr in lrs) and min(lrs) < 1e-3 < max(lrs)
    assert {round(v["model.options.dropout"], 6) for v in seen} <= {0.0, 0.1, 0.2, 0.3, 0.4, 0.5}
    assert {v["model.options.num_layers"] for v in seen} == {1, 3, 5}
    assert {v["model.options.hidden_units"] for v in seen} == {(64,), (128, 64)}
    assert {v["train.shuffle"] for v in seen} == {False, True}
    # Optuna stores the label of a tuple choice; the value maps back to the tuple.
    assert set(study.trials[0].params["model.options.hidden_units"]) <= set("[]0123456789, ")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--engine", "optuna", "--storage", "sqlite:///x.db", "--workers", "2"],
            "error: SQLite cannot take 2 workers writing at once",
        ),
        (["--engine", "optuna", "--storage", "redis://x"], "error: --storage must be journal:PATH"),
        (["--sampler", "tpe"], "error: --sampler need --engine optuna"),
        (["--engine", "optuna", "--tuner", "bayesian"], "error: --tuner chooses Keras Tuner's"),
        (
            ["--engine", "optuna", "--set", "train.distribution=data_parallel"],
            "error: tune trains each trial on one device",
        ),
    ],
    ids=[
        "sqlite-2-workers",
        "bad-url",
        "sampler-without-optuna",
        "tuner-with-optuna",
        "data-parallel-trials",
    ],
)
def test_bad_engine_options_are_one_line_errors(tmp_path, capsys, argv, message):
    status = main(["tune", NAME, "--smoke", "--out", str(tmp_path), *argv])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith(message) and err.count("\n") == 1, err
    assert not any(tmp_path.iterdir()), "nothing may be written"


def test_an_unreachable_database_is_one_line_error(tmp_path, capsys):
    url = f"postgresql://nobody@/none?host={tmp_path}"
    out = tmp_path / "runs"  # not ./runs: a search left there by another run would answer
    argv = ["tune", NAME, "--smoke", "--engine", "optuna", "--storage", url, "--out", str(out)]
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2 and err.startswith(f"error: cannot open the storage {url}: "), err
    assert err.count("\n") == 1, err


# --------------------------------------------------------------------------- one process


def test_an_optuna_search_gives_the_table_plot_best_and_resumes_adding_nothing(tmp_path, capsys):
    kwargs = dict(smoke=True, overrides=FAST, out=tmp_path, engine="optuna", trials=3)
    result = tuning.tune(NAME, retrain_best=True, **kwargs)
    search_dir = tmp_path / NAME / "search-optuna-random"
    out = capsys.readouterr().out
    assert result.search_dir == search_dir and "optuna random search" in out
    assert "3 of 3 trials completed" in out and "trial 3/3" in out
    rows = _rows(search_dir)
    assert [r["trial"] for r in rows] == ["0", "1", "2"]
    assert {r["status"] for r in rows} == {"COMPLETED"} and {r["worker"] for r in rows} == {
        "worker0"
    }
    assert (search_dir / "plots" / "search.png").is_file()
    assert (search_dir / "study.journal").is_file()
    best = json.loads((search_dir / "best.json").read_text())
    assert best["score"] == pytest.approx(max(float(r["val_accuracy"]) for r in rows), rel=1e-5)
    # --retrain-best trained the best values on train + validation through `run`.
    assert (
        best["retrained_run_dir"] and (Path(best["retrained_run_dir"]) / "metrics.json").is_file()
    )
    assert result.retrained.recipe.train.learning_rate == pytest.approx(
        result.best_values["train.learning_rate"]
    )
    # Rerunning the command adds nothing.
    again = tuning.tune(NAME, **kwargs)
    assert "3 of 3 trials already done" in capsys.readouterr().out
    assert len(_study(optuna_engine.open_storage(None, search_dir)).trials) == 3
    assert again.best_score == result.best_score and len(_rows(search_dir)) == 3


def test_the_median_pruner_stops_trials_through_the_keras_callback(tmp_path, capsys):
    # Trials 0-1 are never pruned (startup); later ones stop once below the median.
    overrides = ["data.limit=192", "train.epochs=4", "train.jit_compile=false"]
    overrides += ["train.early_stopping_patience=0"]
    result = tuning.tune(
        NAME,
        smoke=True,
        overrides=overrides,
        out=tmp_path,
        engine="optuna",
        pruner="median",
        sampler="tpe",
        trials=6,
        verbose=0,
    )
    study = _study(optuna_engine.open_storage(None, result.search_dir), "tpe")
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(pruned) + len(complete) == 6
    for trial in complete:  # every epoch was reported to the pruner
        assert sorted(trial.intermediate_values) == [0, 1, 2, 3]
    for trial in pruned:  # stopped after the epoch at which it was pruned
        assert len(trial.intermediate_values) < 4
        assert trial.user_attrs["metrics"]["epochs_run"] == len(trial.intermediate_values)
    statuses = [r["status"] for r in result.rows]
    assert statuses.count("PRUNED") == len(pruned)


# --------------------------------------------------------------------------- fault tolerance

_HOLDER = """
import sys, time, os
from pathlib import Path
from dlrecipes import registry
from dlrecipes.tuning import optuna_engine as engine
recipe = registry.get("softmax_regression")
storage = engine.open_storage(sys.argv[1] or None, Path(sys.argv[2]), heartbeat_seconds=1)
study = engine.create_study(storage, recipe, "random", "none", seed=123)
def hold(trial):
    for key, value in (("worker", "holder"), ("pid", os.getpid()), ("host", os.uname().nodename)):
        trial.set_user_attr(key, value)
    for p in recipe.search.params:
        engine.suggest(trial, p)
    print("holding", trial.number, flush=True)
    time.sleep(600)
study.optimize(hold, n_trials=1)
"""


def _kill_a_worker_holding_a_trial(url: str | None, search_dir: Path) -> dict:
    """A real Optuna worker takes trial 0 (heartbeats on a database) and is SIGKILLed."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url or "", str(search_dir)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding 0"
        storage = optuna_engine.open_storage(url, search_dir, heartbeat_seconds=1)
        held = _study(storage).trials[0]
        assert held.state.name == "RUNNING"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    return held.params


def _check_retried_once(result, held_params: dict, trials: int) -> None:
    rows = result.rows
    failed = [r for r in rows if r["status"] == "FAILED"]
    assert len(failed) == 1 and failed[0]["trial"] == "0", rows
    retries = [r for r in rows if r["retry_of"] == "0"]
    assert len(retries) == 1 and retries[0]["status"] == "COMPLETED"
    for path, value in held_params.items():  # the retry ran the lost trial's values
        assert retries[0][path] == pytest.approx(value) or str(retries[0][path]) == str(value)
    assert sum(r["status"] == "COMPLETED" for r in rows) == trials
    assert len(rows) == trials + 1


def test_journal_a_killed_workers_trial_is_failed_and_rerun_once(tmp_path, capsys):
    search_dir = tmp_path / NAME / "search-optuna-random"
    held = _kill_a_worker_holding_a_trial(None, search_dir)
    kwargs = dict(smoke=True, overrides=FAST, out=tmp_path, engine="optuna", trials=2, verbose=0)
    result = tuning.tune(NAME, **kwargs)
    _check_retried_once(result, held, 2)
    failed = [r for r in result.rows if r["status"] == "FAILED"][0]
    assert failed["message"] == "worker holder died during the trial"
    again = tuning.tune(NAME, **kwargs)  # rerunning adds nothing
    assert len(again.rows) == 3


def test_postgres_a_killed_workers_trial_is_failed_by_heartbeat_and_rerun_once(
    tmp_path, postgres_url
):
    search_dir = tmp_path / NAME / "search-optuna-random"
    held = _kill_a_worker_holding_a_trial(postgres_url, search_dir)
    kwargs = dict(smoke=True, overrides=FAST, out=tmp_path, engine="optuna", trials=2, verbose=0)
    started = time.monotonic()
    result = tuning.tune(NAME, storage=postgres_url, heartbeat_seconds=1, **kwargs)
    assert time.monotonic() - started < 300
    _check_retried_once(result, held, 2)
    # The heartbeat (not the dead pid) failed it: Optuna's stale-trial path.
    study = _study(optuna_engine.open_storage(postgres_url, search_dir))
    assert "message" not in study.trials[0].user_attrs
    again = tuning.tune(NAME, storage=postgres_url, heartbeat_seconds=1, **kwargs)
    assert len(again.rows) == 3, "rerunning the command adds nothing"
    assert len(study.trials) == 3


def test_a_surplus_trial_is_left_out_so_exactly_n_end(tmp_path):
    """Two workers asking at once can both get a trial; the later one is surplus."""
    kwargs = dict(smoke=True, overrides=FAST, out=tmp_path, engine="optuna", verbose=0)
    tuning.tune(NAME, trials=1, **kwargs)
    search_dir = tmp_path / NAME / "search-optuna-random"
    storage = optuna_engine.open_storage(None, search_dir)
    study = _study(storage)
    # A second worker that asked while trial 0 ran (it saw 0 ended, 1 running < 2)
    # and a third asking at the same instant: trials 1 and 2 with trials=2.
    from dlrecipes import registry

    base = registry.get(NAME)
    assert base.search.params
    first, second = study.ask(), study.ask()
    assert optuna_engine._earlier_live(study, first.number) == 1 < 2
    assert optuna_engine._earlier_live(study, second.number) == 2, "surplus"
    study.tell(first, state=optuna.trial.TrialState.FAIL)
    study.tell(second, state=optuna.trial.TrialState.FAIL)
    result = tuning.tune(NAME, trials=2, **kwargs)
    ended = [r for r in result.rows if r["status"] in ("COMPLETED", "PRUNED")]
    assert len(ended) == 2


# --------------------------------------------------------------------------- tune --workers 2


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                children = []
            found += children
            todo += children
    return found


def _worker_pid(parent: int, index: int) -> int | None:
    for pid in _descendants(parent):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"{optuna_engine.ENV_WORKER}={index}".encode() in environ:
            return pid
    return None


def _tune_workers(tmp_path, storage: str | None, trials: int, kill: bool):
    command = [sys.executable, "-m", "recipes", "tune", NAME, "--smoke", "--engine", "optuna"]
    for override in [*FAST[:2], "train.epochs=6", "train.early_stopping_patience=0"]:
        command += ["--set", override]
    command += ["--trials", str(trials), "--workers", "2", "--out", str(tmp_path)]
    # 5 s heartbeats (grace 15 s): on a loaded machine a 1 s heartbeat thread can be
    # starved long enough for a live trial to be taken for dead.
    command += ["--storage", storage, "--heartbeat", "5"] if storage else []
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    killed = None
    if kill:
        search_dir = tmp_path / NAME / "search-optuna-random"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            pid = _worker_pid(process.pid, 1)
            log = search_dir / "log.jsonl"
            done = log.is_file() and f'"pid": {pid}' in log.read_text() if pid else False
            if done:  # worker1 finished a trial and started the next
                time.sleep(2)
                os.kill(pid, signal.SIGKILL)
                killed = pid
                break
            time.sleep(0.3)
        assert killed, "worker1 was not seen finishing a trial"
    output, _ = process.communicate(timeout=600)
    return process.returncode, output, killed


@pytest.mark.slow
@pytest.mark.parametrize("storage", ["journal", "postgres"])
def test_two_workers_one_killed_mid_trial_finish_n_trials_exactly_once(tmp_path, storage, request):
    url = request.getfixturevalue("postgres_url") if storage == "postgres" else None
    code, output, killed = _tune_workers(tmp_path, url, trials=4, kill=True)
    assert code == 0, output
    assert "worker1 exited with status -9; the others go on" in output
    search_dir = tmp_path / NAME / "search-optuna-random"
    rows = _rows(search_dir)
    completed = [r for r in rows if r["status"] == "COMPLETED"]
    failed = [r for r in rows if r["status"] == "FAILED"]
    assert len(completed) == 4 and len(failed) == 1, rows
    assert [r["retry_of"] for r in rows].count(failed[0]["trial"]) == 1
    assert {r["worker"] for r in completed} == {"worker0", "worker1"}
    code, output, _ = _tune_workers(tmp_path, url, trials=4, kill=False)
    assert code == 0 and "4 of 4 trials already done" in output, output
    assert _rows(search_dir) == rows, "rerunning the command adds nothing"


@pytest.mark.slow
def test_two_workers_share_a_postgres_study_each_trial_once(tmp_path, postgres_url):
    code, output, _ = _tune_workers(tmp_path, postgres_url, trials=4, kill=False)
    assert code == 0, output
    rows = _rows(tmp_path / NAME / "search-optuna-random")
    assert [r["trial"] for r in rows] == ["0", "1", "2", "3"]
    assert {r["status"] for r in rows} == {"COMPLETED"}
    assert {r["worker"] for r in rows} == {"worker0", "worker1"}


def test_sqlite_with_one_worker_is_accepted(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    result = tuning.tune(
        NAME,
        smoke=True,
        overrides=FAST,
        out=tmp_path,
        engine="optuna",
        storage=url,
        trials=1,
        verbose=0,
    )
    assert [r["status"] for r in result.rows] == ["COMPLETED"]
    with pytest.raises(RecipeError, match="SQLite cannot take 3 workers"):
        tuning.tune(NAME, smoke=True, out=tmp_path, engine="optuna", storage=url, workers=3)
