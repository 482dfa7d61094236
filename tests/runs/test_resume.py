"""Resume under real interruptions: ``python -m recipes run`` killed and resumed.

Each test runs the CLI in a subprocess and interrupts it with a real signal
(SIGKILL, or SIGINT: Ctrl-C) at a point it detects: from outside (``history.csv``
has k epochs) or from inside through :data:`INTERRUPT`, a wrapper that kills its
own process at a chosen epoch, batch or call (during evaluation, during saving,
during a checkpoint). Then ``--resume`` must give exactly the uninterrupted run's
metrics and history, and a run directory with one status, no temporary file and
each epoch once; resuming a completed run is a one-line no-op; what would make
the resumed run another run (another recipe, profile, seed, or ``--set`` of
anything but a runtime setting) is a one-line error.
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

import numpy as np
import pytest

import dlrecipes
from dlrecipes.runs import directory, prepare_recipe
from dlrecipes.spec import RecipeError, recipe_to_toml
from dlrecipes.training.callbacks import Throughput
from tests.helpers import logged_scalars

ROOT = Path(__file__).resolve().parents[2]

#: ``python -c INTERRUPT SPEC -- ARGS``: the CLI with ARGS, killing itself at SPEC:
#: ``epoch:K:SIG`` after the callbacks of epoch K (1-based) ran, ``batch:E:B:SIG`` after
#: batch B of epoch E (0-based), ``call:MODULE:ATTR:N:before|after:SIG`` around the N-th
#: call of MODULE.ATTR (``Class.method`` allowed); SIG is KILL or INT.
INTERRUPT = r"""
import importlib, os, signal, sys
import keras
spec, argv = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
kind, *rest = spec.split(":")

def die(name):
    sys.stdout.flush(); sys.stderr.flush()
    os.kill(os.getpid(), {"KILL": signal.SIGKILL, "INT": signal.SIGINT}[name])

if kind in ("epoch", "batch"):
    class Interrupt(keras.callbacks.Callback):
        epoch = 0
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_epoch_end(self, epoch, logs=None):
            if kind == "epoch" and epoch + 1 == int(rest[0]):
                die(rest[1])
        def on_train_batch_end(self, batch, logs=None):
            if kind == "batch" and (self.epoch, batch) == (int(rest[0]), int(rest[1])):
                die(rest[2])
    fit = keras.Model.fit
    def fit_then_interrupt(self, *args, callbacks=None, **kwargs):
        return fit(self, *args, callbacks=[*(callbacks or []), Interrupt()], **kwargs)
    keras.Model.fit = fit_then_interrupt
else:
    module_name, attribute, n, when, name = rest
    owner = importlib.import_module(module_name)
    *outer, attribute = attribute.split(".")
    for part in outer:
        owner = getattr(owner, part)
    original, calls = getattr(owner, attribute), [0]
    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == int(n) and when == "before":
            die(name)
        result = original(*args, **kwargs)
        if calls[0] == int(n) and when == "after":
            die(name)
        return result
    setattr(owner, attribute, wrapped)
from dlrecipes.cli import main
sys.exit(main(argv))
"""

#: A supervised run with dropout, early stopping that triggers (epoch 9 of 12) with its
#: best weights restored, and a backup every 4 epochs (8 steps an epoch).
SUPERVISED = [
    "mlp",
    "--smoke",
    "--set",
    "train.epochs=12",
    "--set",
    "train.early_stopping_patience=2",
    "--set",
    "train.learning_rate=0.003",
    "--set",
    "train.steps_per_execution=1",  # the batch-level interrupts need a callback every step
]
#: sample expansion in the input pipeline (AugmentedBatches), with XLA on
AUGMENTED = [
    "mlp",
    "--smoke",
    "--set",
    "train.epochs=6",
    "--set",
    "data.augment_shift=0.1",
    "--set",
    "data.augment_rotation=0.03",
    "--set",
    "train.jit_compile=true",
]
CUSTOM = ["linear_regression", "--smoke"]  # 50 epochs of full-batch SGD (history.csv)
DQN = [
    "dqn_cartpole",
    "--smoke",
    "--set",
    "agent.total_steps=1200",
    "--set",
    "agent.options.checkpoint_every=400",
]
Q_LEARNING = [
    "q_learning_frozenlake",  # slippery: the environments' generators matter
    "--smoke",
    "--set",
    "agent.total_steps=3000",
    "--set",
    "agent.options.checkpoint_every=1300",
]
#: Values of metrics.json that differ between any two runs (time, place, command).
VOLATILE = {
    "wall_time_s",
    "fit_time_s",
    "phases_s",
    "steps_per_second",
    "train_time_s",
    "time_to_solve_s",
    "finished_at",
    "command",
    "run_dir",
}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}


def _cli(*args: str, interrupt: str | None = None, timeout: float = 300):
    command = [sys.executable, "-m", "recipes", *args]
    if interrupt is not None:
        command = [sys.executable, "-c", INTERRUPT, interrupt, "--", *args]
    return subprocess.run(
        command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout
    )


def _run_dir(out: Path) -> Path:
    (run_dir,) = [path.parent for path in out.rglob("recipe.toml")]
    return run_dir


def _without_volatile(value):
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    return value


def _comparable(run_dir: Path) -> dict:
    """metrics.json without what differs between two runs, and the histories' rows."""
    out = {"metrics": _without_volatile(json.loads((run_dir / "metrics.json").read_text()))}
    if (run_dir / "history.csv").is_file():
        out["history"] = (run_dir / "history.csv").read_text()
    out["tensorboard"] = logged_scalars(run_dir)  # each epoch once, the same values
    if (run_dir / "episodes.csv").is_file():
        with (run_dir / "episodes.csv").open() as handle:
            rows = csv.DictReader(handle)
            out["episodes"] = [{k: v for k, v in r.items() if k != "wall_time_s"} for r in rows]
    return out


def _assert_consistent(run_dir: Path) -> None:
    """One status (completed), no leftovers of an attempt, each epoch once."""
    names = {path.name for path in run_dir.iterdir()}
    assert directory.status(run_dir) == "completed" and "FAILED.txt" not in names
    assert not [p for p in run_dir.rglob("*") if ".tmp" in p.name or p.name.endswith(".old")]
    assert "backup" not in names  # a supervised run's backup goes once metrics.json is written
    assert "run.lock" not in names  # the attempt ended: nobody runs it now
    if "history.csv" in names:
        with (run_dir / "history.csv").open() as handle:
            epochs = [int(row["epoch"]) for row in csv.DictReader(handle)]
        assert epochs == list(range(len(epochs)))


def _reference(tmp_path_factory, name: str, args: list[str]) -> Path:
    out = tmp_path_factory.mktemp(name)
    done = _cli("run", *args, "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr[-2000:]
    return _run_dir(out)


@pytest.fixture(scope="module")
def supervised_reference(tmp_path_factory):
    return _reference(tmp_path_factory, "supervised", SUPERVISED)


def _interrupted_then_resumed(tmp_path, args, interrupt, expected_code=-signal.SIGKILL):
    out = tmp_path / "runs"
    killed = _cli("run", *args, "--out", str(out), "--quiet", interrupt=interrupt)
    assert killed.returncode == expected_code, killed.stderr[-2000:]
    run_dir = _run_dir(out)
    assert directory.status(run_dir) != "completed"
    resumed = _cli("run", args[0], "--resume", str(run_dir), "--quiet")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    _assert_consistent(run_dir)
    return run_dir, killed


# ------------------------------------------------------------------- supervised


def test_killed_from_outside_mid_epoch_resumes_to_the_uninterrupted_result(
    supervised_reference, tmp_path
):
    """SIGKILL sent by the test once history.csv holds 5 epochs (the backup is at 4):
    the resumed run cuts the history back to its backup and ends bit for bit equal."""
    out = tmp_path / "runs"
    command = [sys.executable, "-m", "recipes", "run", *SUPERVISED, "--out", str(out), "--quiet"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            histories = list(out.rglob("history.csv"))
            if histories and len(histories[0].read_text().splitlines()) >= 6:  # header + 5
                break
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    run_dir = _run_dir(out)
    assert not (run_dir / "metrics.json").exists()
    resumed = _cli("run", "mlp", "--resume", str(run_dir), "--quiet")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    _assert_consistent(run_dir)
    assert _comparable(run_dir) == _comparable(supervised_reference)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert (metrics["epochs_run"], metrics["steps"]) == (9, 72)  # the whole run, not a part


@pytest.mark.slow
def test_killed_while_saving_the_model_leaves_no_model_and_resumes_exactly(
    supervised_reference, tmp_path
):
    """SIGKILL inside model.save (the temporary file written, not yet renamed)."""
    run_dir, _ = _interrupted_then_resumed(
        tmp_path, SUPERVISED, "call:keras:Model.save:1:after:KILL"
    )
    assert _comparable(run_dir) == _comparable(supervised_reference)


@pytest.mark.slow
def test_ctrl_c_at_early_stopping_fails_cleanly_and_resumes_without_training(
    supervised_reference, tmp_path
):
    """SIGINT after the epoch early stopping ended training on: exit 130, FAILED.txt
    names the interruption; the resume trains no further epoch and removes FAILED.txt."""
    out = tmp_path / "runs"
    interrupted = _cli("run", *SUPERVISED, "--out", str(out), "--quiet", interrupt="epoch:9:INT")
    assert interrupted.returncode == 130
    assert interrupted.stderr.strip().splitlines()[-1].startswith("interrupted: continue a run")
    run_dir = _run_dir(out)
    assert (run_dir / "FAILED.txt").read_text().startswith("KeyboardInterrupt: interrupted")
    assert _cli("run", "mlp", "--resume", str(run_dir), "--quiet").returncode == 0
    _assert_consistent(run_dir)
    assert _comparable(run_dir) == _comparable(supervised_reference)


@pytest.mark.slow
@pytest.mark.parametrize(
    "interrupt",
    [
        "batch:0:3:KILL",  # during the first epoch: no backup yet, a fresh start
        "batch:5:2:KILL",  # mid-epoch, the backup 2 epochs back
        "call:dlrecipes.evaluation:evaluate_model:1:before:KILL",  # training done
        "call:dlrecipes.training.backup:np.savez:2:after:KILL",  # inside a backup
    ],
    ids=["first-epoch", "mid-epoch", "evaluation", "backup"],
)
def test_killed_anywhere_resumes_to_the_uninterrupted_result(
    supervised_reference, tmp_path, interrupt
):
    run_dir, _ = _interrupted_then_resumed(tmp_path, SUPERVISED, interrupt)
    assert _comparable(run_dir) == _comparable(supervised_reference)


@pytest.mark.slow
def test_augmented_run_killed_mid_run_resumes_to_the_uninterrupted_result(
    tmp_path_factory, tmp_path
):
    """The augmented batches are a function of (seed, epoch, step): no random state to
    back up, and the resumed run ends bit for bit equal to the uninterrupted one."""
    reference = _reference(tmp_path_factory, "augmented", AUGMENTED)
    run_dir, _ = _interrupted_then_resumed(tmp_path, AUGMENTED, "epoch:5:KILL")
    assert _comparable(run_dir) == _comparable(reference)


def test_resuming_a_completed_run_is_a_one_line_no_op(supervised_reference):
    before = {p.name: p.read_bytes() for p in supervised_reference.iterdir() if p.is_file()}
    done = _cli("run", "mlp", "--resume", str(supervised_reference))
    assert done.returncode == 0
    assert done.stdout.strip().splitlines() == [
        f"{supervised_reference} is already complete (finished "
        f"{json.loads(before['metrics.json'])['finished_at']}): nothing to resume"
    ]
    after = {p.name: p.read_bytes() for p in supervised_reference.iterdir() if p.is_file()}
    assert after == before  # nothing retrained, nothing rewritten


def _saved_run(tmp_path: Path) -> Path:
    """A run directory of mlp's smoke profile that has not started training."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    recipe = prepare_recipe("mlp", smoke=True)
    (run_dir / "recipe.toml").write_text(recipe_to_toml(recipe))
    return run_dir


@pytest.mark.parametrize(
    ("recipe", "options", "message"),
    [
        ("lenet5", {}, "is a run of recipe 'mlp'. Received: recipe 'lenet5'"),
        ("mlp", {"smoke": True}, "takes no --profile, --smoke, --config or --seed.*--smoke"),
        ("mlp", {"seed": 3}, "Received: --seed \\(seed=3\\)"),
        ("mlp", {"profile": "smoke"}, "Received: --profile"),
        ("mlp", {"config": {"train": {"epochs": 3}}}, "Received: --config"),
        ("mlp", {"overrides": ["train.learning_rate=0.1"]}, "changes to: train.learning_rate"),
        ("mlp", {"overrides": ["train.epochs=40"]}, "changes to: train.epochs"),
    ],
)
def test_resume_refuses_what_would_make_another_run(tmp_path, recipe, options, message):
    """Python API (the CLI prints the same RecipeError as one ``error:`` line)."""
    run_dir = _saved_run(tmp_path)
    before = (run_dir / "recipe.toml").read_text()
    with pytest.raises(RecipeError, match=message):
        dlrecipes.run(recipe, resume=run_dir, **options)
    assert (run_dir / "recipe.toml").read_text() == before
    assert sorted(p.name for p in run_dir.iterdir()) == ["recipe.toml"]


def test_resume_errors_are_one_line_on_the_command_line(supervised_reference):
    done = _cli("run", "mlp", "--resume", str(supervised_reference), "--seed", "3")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert "--seed (seed=3)" in line


def test_a_runtime_setting_may_change_on_resume_and_is_written_to_recipe_toml(tmp_path):
    run_dir = _saved_run(tmp_path)
    (run_dir / "FAILED.txt").write_text("KeyboardInterrupt: interrupted\n")
    result = dlrecipes.run("mlp", resume=run_dir, overrides=["train.verbose=0"])
    assert 'verbose = "0"' in (run_dir / "recipe.toml").read_text()
    assert result.metrics["epochs_run"] == 2 and directory.status(run_dir) == "completed"
    assert not (run_dir / "FAILED.txt").exists()


def _lock(run_dir: Path, pid: int, host: str | None = None) -> None:
    import socket

    holder = {"pid": pid, "host": host or socket.gethostname(), "started": "2026-12-01T10:00:00"}
    (run_dir / "run.lock").write_text(json.dumps(holder))


def test_resuming_a_directory_another_live_process_runs_is_refused_and_writes_nothing(tmp_path):
    """Two attempts on one directory would interleave their backups and histories."""
    run_dir = _saved_run(tmp_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        _lock(run_dir, other.pid)
        before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
        with pytest.raises(RecipeError, match=f"is being run by process {other.pid} on"):
            dlrecipes.run("mlp", resume=run_dir, overrides=["train.verbose=0"])
        done = _cli("run", "mlp", "--resume", str(run_dir))
        assert done.returncode == 2 and "Traceback" not in done.stderr
        (line,) = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert f"process {other.pid}" in line and "delete" in line
        assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before
    finally:
        other.kill()
        other.wait()
    # that process has ended: its lock is stale, and the resume takes the directory over
    result = dlrecipes.run("mlp", resume=run_dir)
    assert directory.status(run_dir) == "completed" and result.metrics["epochs_run"] == 2
    _assert_consistent(run_dir)


def test_a_lock_held_on_another_host_is_not_taken_over(tmp_path):
    """A directory on a shared file system may be run from another machine, whose
    processes cannot be asked whether they still exist."""
    run_dir = _saved_run(tmp_path)
    _lock(run_dir, os.getpid() + 1, host="another-machine")
    with pytest.raises(RecipeError, match="on 'another-machine'.*delete .*run.lock"):
        dlrecipes.run("mlp", resume=run_dir)


def test_a_running_run_holds_its_lock_and_a_finished_one_releases_it(tmp_path):
    seen = []
    original = directory.write_json

    def spy(path, data):
        if Path(path).name == "metrics.json":
            seen.append(json.loads((Path(path).parent / "run.lock").read_text())["pid"])
        original(path, data)

    directory.write_json = spy
    try:
        result = dlrecipes.run("mlp", smoke=True, out=tmp_path, overrides=["train.verbose=0"])
    finally:
        directory.write_json = original
    assert seen == [os.getpid()]  # held while the run wrote its results
    assert not (result.run_dir / "run.lock").exists()


# ------------------------------------------------------------------- custom, RL


def test_custom_experiment_killed_mid_training_resumes_with_its_whole_history(
    tmp_path_factory, tmp_path
):
    """A custom experiment runs again from the start on resume: same result, and a
    history.csv of all its epochs once (not cut back, not appended)."""
    reference = _reference(tmp_path_factory, "custom", CUSTOM)
    run_dir, _ = _interrupted_then_resumed(tmp_path, CUSTOM, "epoch:20:KILL")
    assert _comparable(run_dir) == _comparable(reference)
    assert len(_comparable(run_dir)["history"].splitlines()) == 51


def test_dqn_killed_while_writing_a_checkpoint_resumes_exactly(tmp_path_factory, tmp_path):
    """SIGKILL inside the second checkpoint's write (its arrays written, not swapped in):
    the first checkpoint is intact and the resumed run ends as the uninterrupted one."""
    reference = _reference(tmp_path_factory, "dqn", DQN)
    run_dir, _ = _interrupted_then_resumed(tmp_path, DQN, "call:numpy:savez:2:after:KILL")
    assert _comparable(run_dir) == _comparable(reference)


@pytest.mark.slow
def test_dqn_killed_before_its_first_checkpoint_starts_over_exactly(tmp_path_factory, tmp_path):
    reference = _reference(tmp_path_factory, "dqn", DQN)
    run_dir, _ = _interrupted_then_resumed(
        tmp_path, DQN, "call:dlrecipes.rl.checkpoint:save:1:before:KILL"
    )
    assert _comparable(run_dir) == _comparable(reference)


@pytest.mark.slow
def test_q_learning_interrupted_by_ctrl_c_after_a_checkpoint_resumes_exactly(
    tmp_path_factory, tmp_path
):
    reference = _reference(tmp_path_factory, "q_learning", Q_LEARNING)
    run_dir, interrupted = _interrupted_then_resumed(
        tmp_path, Q_LEARNING, "call:dlrecipes.rl.checkpoint:save:1:after:INT", 130
    )
    assert "interrupted" in interrupted.stderr
    assert _comparable(run_dir) == _comparable(reference)


# ------------------------------------------------------------------- the case


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_mlp_killed_after_5_of_30_epochs_ends_exactly_as_uninterrupted(
    tmp_path_factory, tmp_path, monkeypatch, backend
):
    """Issue 13's case: mlp's default profile (early stopping at epoch 30 of 40), killed
    after epoch 5 and resumed: equal metrics, 30 epochs and 1,230 steps recorded."""
    monkeypatch.setenv("KERAS_BACKEND", backend)
    reference = _reference(tmp_path_factory, f"mlp-{backend}", ["mlp"])
    run_dir, _ = _interrupted_then_resumed(tmp_path, ["mlp"], "epoch:5:KILL")
    assert _comparable(run_dir) == _comparable(reference)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["backend"] == backend
    assert (metrics["epochs_run"], metrics["steps"]) == (
        len(_comparable(reference)["history"].splitlines()) - 1,
        json.loads((reference / "metrics.json").read_text())["steps"],
    )


def test_a_damaged_backup_is_a_one_line_error_not_a_traceback(tmp_path, monkeypatch):
    """A backup from someone else's run directory is data: damaged or made by another
    model, it is refused in one line (and never executed)."""
    original = Throughput.on_epoch_end

    def crash_after_second_epoch(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(Throughput, "on_epoch_end", crash_after_second_epoch)
    overrides = ["train.epochs=4", "train.batch_size=8"]  # 32 steps: a backup every epoch
    with pytest.raises(KeyboardInterrupt):
        dlrecipes.run("mlp", smoke=True, overrides=overrides, out=tmp_path, verbose=0)
    monkeypatch.setattr(Throughput, "on_epoch_end", original)
    run_dir = _run_dir(tmp_path)
    arrays_path = run_dir / "backup" / "arrays.npz"
    with np.load(arrays_path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    np.savez(arrays_path, **{**arrays, "model/0": np.zeros((3, 3), "float32")})
    with pytest.raises(RecipeError, match="has shape \\(3, 3\\).*made by another model"):
        dlrecipes.run("mlp", resume=run_dir, verbose=0)
    (run_dir / "backup" / "state.json").write_text("{not json")
    with pytest.raises(RecipeError, match="backup .* is unreadable.*remove it"):
        dlrecipes.run("mlp", resume=run_dir, verbose=0)
    assert directory.status(run_dir) == "failed"
