"""Groups of seeds (``run --seeds``, ``compare --seeds``): parsing, processes, summaries,
failed seeds, resume, verdicts, and the same per-seed metrics with ``--jobs 2``."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from dlrecipes import stats
from dlrecipes.cli import main
from dlrecipes.runs import comparison, seeds
from dlrecipes.runs.result import RunResult
from dlrecipes.spec import RecipeError

# ----------------------------------------------------------------------------- --seeds


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("0-4", (0, 1, 2, 3, 4)),
        ("5", (0, 1, 2, 3, 4)),
        ("1", (0,)),
        ("0,3,7", (0, 3, 7)),
        ("0-2, 10", (0, 1, 2, 10)),
        ("7-7", (7,)),
        (3, (0, 1, 2)),
        ([4, 2], (4, 2)),
    ],
)
def test_parse_seeds(spec, expected):
    assert seeds.parse_seeds(spec) == expected


@pytest.mark.parametrize(
    "spec, message",
    [
        ("", "expected a count"),
        ("abc", "expected a count"),
        ("4-0", "must go upwards"),
        ("-1", "expected a count"),
        ("0-", "expected a count"),
        ("0", "1 <= N <= 1000"),
        ("1,1", "names seed 1 twice"),
        ("0-99999", "at most 1000"),
        ("0,99999999999", "from 0 to 2147483647"),
        ("1.5", "expected a count"),
        (True, "expected a count"),
        ([1, "a"], "must be an integer"),
    ],
)
def test_bad_seeds_are_one_line_errors(spec, message):
    with pytest.raises(RecipeError, match=message) as caught:
        seeds.parse_seeds(spec)
    assert "\n" not in str(caught.value) and "Received" in str(caught.value)


def test_describe_seeds():
    assert seeds.describe_seeds([0, 1, 2, 3, 4]) == "0-4"
    assert seeds.describe_seeds([0, 3, 7]) == "0,3,7"


def test_threads_per_job_never_oversubscribes():
    assert seeds.threads_per_job(1, cores=2) == 2
    assert seeds.threads_per_job(2, cores=2) == 1
    assert seeds.threads_per_job(3, cores=16) == 5
    with pytest.raises(RecipeError, match="--jobs 3 exceeds the 2 CPU cores"):
        seeds.threads_per_job(3, cores=2)
    with pytest.raises(RecipeError, match="positive integer. Received: 0"):
        seeds.threads_per_job(0, cores=2)
    env = seeds.worker_environment(1, base={"PATH": "/bin"})
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        assert env[name] == "1"
    assert "XLA_FLAGS" not in env  # it would change the last bits of jit-compiled runs


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "optimizers", "--smoke", "--seeds", "4-0"], "--seeds range must go upwards"),
        (["run", "optimizers", "--smoke", "--seeds", "x"], "--seeds expected a count"),
        (["run", "optimizers", "--smoke", "--seeds", "2", "--seed", "3"], "either --seed or"),
        (["run", "optimizers", "--smoke", "--jobs", "2"], "--jobs needs --seeds"),
        (["run", "optimizers", "--smoke", "--seeds", "2", "--jobs", "99"], "exceeds the"),
        (["compare", "optimizers", "--smoke", "--seeds", "0,0"], "names seed 0 twice"),
        (["compare", "optimizers", "--smoke", "--reference", "adam"], "need --seeds"),
        (
            ["compare", "optimizers", "--smoke", "--seeds", "2", "--reference", "adamm"],
            "--reference 'adamm' is not a compared variant",
        ),
        (["report", "/nonexistent/dir"], "report expects run or group directories"),
        (["report", "/tmp", "--output", "/nonexistent/r.html"], "its folder does not exist"),
    ],
)
def test_cli_bad_seed_options_exit_2_with_one_line(tmp_path, capsys, args, message):
    assert main([*args, "--out", str(tmp_path)] if args[0] != "report" else args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not (tmp_path / "optimizers").exists()


# ----------------------------------------------------------------------------- bookkeeping


def _fake_run(accuracies: dict[int, float], fail: dict[int, Exception], calls: list):
    """A stand-in for ``launch.run`` writing what a supervised run writes, fast."""
    from dlrecipes.runs import directory

    def run(recipe, *, out=None, resume=None, verbose=0, **_):
        if resume is not None:
            run_dir = Path(resume)
            resolved_recipe = None
        else:
            resolved_recipe = recipe.recipe
            run_dir = directory.create(out, resolved_recipe)
        seed = int(run_dir.name.rsplit("-s", 1)[1].split("-")[0])
        calls.append((seed, resume is not None))
        if seed in fail:
            directory.fail(run_dir, fail[seed])
            raise fail[seed]
        accuracy = accuracies[seed]
        metrics = {
            "status": "completed",
            "seed": seed,
            "test": {"accuracy": accuracy, "loss": 1 - accuracy},
            "evaluation": {"val": {"accuracy": accuracy - 0.01}},
            "expect": {"value": accuracy, "applies": True, "reached": accuracy >= 0.9},
            "wall_time_s": 1.0,
        }
        directory.write_json(run_dir / "metrics.json", metrics)
        return RunResult(run_dir, resolved_recipe, metrics)

    return run


def test_summary_failed_seed_and_resume(tmp_path, monkeypatch, capsys):
    """Seed 1 diverges, seed 2 crashes: both are recorded with their reason, the others
    are summarised (mean and t interval computed by hand); --resume reruns only the
    crashed seed, never the completed or diverged ones."""
    from dlrecipes.training import TrainingDivergedError

    calls: list = []
    accuracies = {0: 0.90, 1: 0.0, 2: 0.94, 3: 0.92}
    failures = {1: TrainingDivergedError("the loss became NaN"), 2: MemoryError("out of memory")}
    monkeypatch.setattr(seeds, "run", _fake_run(accuracies, failures, calls))
    group = seeds.run_seeds(
        "optimizers", seeds="0-3", smoke=True, out=tmp_path, quiet=True, report=False
    )
    assert [r.status for r in group.runs] == ["completed", "diverged", "failed", "completed"]
    summary = json.loads((group.group_dir / "summary.json").read_text())
    assert summary == group.summary | {"wall_time_s": summary["wall_time_s"]}
    accuracy = summary["metrics"]["test_accuracy"]
    # two values 0.90, 0.92: mean 0.91, sd 0.014142, half = 12.7062 * 0.014142 / sqrt 2 = 0.127062
    assert accuracy["n"] == 2 and accuracy["mean"] == pytest.approx(0.91)
    assert accuracy["ci_low"] == pytest.approx(0.91 - 0.127062, abs=1e-5)
    assert accuracy["values"] == {"0": 0.9, "3": 0.92}
    failed = {f["seed"]: f for f in summary["failed"]}
    assert failed[1]["status"] == "diverged" and "NaN" in failed[1]["reason"]
    assert failed[2]["status"] == "failed" and "MemoryError: out of memory" in failed[2]["reason"]
    # the expectation (accuracy >= 0.9) per seed and on the mean
    expect = summary["expect"]
    assert (expect["reached_seeds"], expect["seeds"], expect["reached_in"]) == (2, 4, [0, 3])
    assert expect["mean"] == pytest.approx(0.91) and expect["reached_on_mean"] is True
    assert "reached in 2/4 seeds and on the mean" in group.table()
    with (group.group_dir / "summary.csv").open() as handle:
        rows = {row["metric"]: row for row in csv.DictReader(handle)}
    assert float(rows["test_accuracy"]["seed_3"]) == 0.92 and rows["test_accuracy"]["seed_1"] == ""
    # resume: seed 2 (crashed) runs again; 0 and 3 (completed) and 1 (diverged) do not
    calls.clear()
    accuracies[2] = 0.94
    failures.pop(2)
    resumed = seeds.run_seeds(resume=group.group_dir, quiet=True, report=False)
    assert calls == [(2, False)]
    assert [r.status for r in resumed.runs] == ["completed", "diverged", "completed", "completed"]
    assert resumed.summary["metrics"]["test_accuracy"]["n"] == 3
    assert resumed.summary["wall_time_s"] >= summary["wall_time_s"]  # all attempts together
    # resume with more seeds adds them; nothing already finished runs again
    calls.clear()
    accuracies[4] = 0.93
    more = seeds.run_seeds(resume=group.group_dir, seeds="0-4", quiet=True, report=False)
    assert calls == [(4, False)] and [r.seed for r in more.runs] == [0, 1, 2, 3, 4]
    assert json.loads((group.group_dir / "group.json").read_text())["seeds"] == [0, 1, 2, 3, 4]


def test_an_interrupted_seed_is_continued_from_its_directory(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(seeds, "run", _fake_run({0: 0.9, 1: 0.91}, {}, calls))
    group = seeds.run_seeds("optimizers", seeds=2, smoke=True, out=tmp_path, quiet=True)
    killed = group.runs[1].run_dir
    (killed / "metrics.json").unlink()  # as if the process had been killed before the end
    calls.clear()
    seeds.run_seeds(resume=group.group_dir, quiet=True, report=False)
    assert calls == [(1, True)]


def test_resume_refuses_another_recipe_or_a_changed_recipe(tmp_path, monkeypatch):
    monkeypatch.setattr(seeds, "run", _fake_run({0: 0.9}, {}, []))
    group = seeds.run_seeds("optimizers", seeds=1, smoke=True, out=tmp_path, quiet=True)
    with pytest.raises(RecipeError, match="is a group of recipe 'optimizers'. Received recipe"):
        seeds.run_seeds("mlp", resume=group.group_dir)
    with pytest.raises(RecipeError, match="takes no --set"):
        seeds.run_seeds(resume=group.group_dir, overrides=["train.epochs=3"])
    with pytest.raises(RecipeError, match="--resume expects a group directory"):
        seeds.run_seeds(resume=tmp_path)


def test_a_group_run_by_another_live_process_is_not_resumed_twice(tmp_path, monkeypatch):
    """The group holds ``run.lock`` while an attempt runs it: a second ``--resume`` of the
    same group (another terminal, a second job of a scheduler) is a one-line refusal;
    once the holder is gone the lock is taken over, and a finished attempt leaves none."""
    import socket
    import subprocess
    import sys

    from dlrecipes.runs import directory

    calls: list = []
    monkeypatch.setattr(seeds, "run", _fake_run({0: 0.9, 1: 0.91}, {}, calls))
    group = seeds.run_seeds("optimizers", seeds=2, smoke=True, out=tmp_path, quiet=True)
    assert not (group.group_dir / directory.LOCK).exists()
    (group.runs[1].run_dir / "metrics.json").unlink()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = {"pid": other.pid, "host": socket.gethostname(), "started": "now"}
        directory.write_json(group.group_dir / directory.LOCK, lock)
        calls.clear()
        with pytest.raises(RecipeError, match=f"is being run by process {other.pid}"):
            seeds.run_seeds(resume=group.group_dir, quiet=True, report=False)
        assert calls == []  # nothing ran
    finally:
        other.kill()
        other.wait()
    seeds.run_seeds(resume=group.group_dir, quiet=True, report=False)
    assert calls == [(1, True)] and not (group.group_dir / directory.LOCK).exists()


# ----------------------------------------------------------------------------- verdicts


def test_paired_verdicts_by_hand():
    values = {
        "adam": {0: 0.90, 1: 0.92, 2: 0.91},
        "sgd": {0: 0.94, 1: 0.96, 2: 0.95},  # adam + 0.04 on every seed: better
        "noisy": {0: 0.95, 1: 0.88, 2: 0.91},  # differences 0.05, -0.04, 0: no difference
        "loser": {0: 0.80, 1: 0.83, 2: 0.81},  # differences -0.10, -0.09, -0.10
    }
    tested = comparison.paired_verdicts(values, "adam", higher_is_better=True)
    assert tested["adam"]["verdict"] == "reference"
    assert tested["sgd"]["test"]["mean_difference"] == pytest.approx(0.04)
    assert tested["sgd"]["verdict"] == "better"
    assert tested["noisy"]["verdict"] == "no difference at this budget"
    # loser: d = -0.10, -0.09, -0.10: mean -0.09667, sd 0.005774, t = -29.0; T_2 tail in
    # closed form 1 - |t| / sqrt(2 + t^2) = 0.00118; Holm over 3 arms multiplies the
    # smallest raw p-value by 3 (sgd's: every difference equal, p = 0)
    loser = tested["loser"]
    t = -0.0966667 / (0.0057735 / math.sqrt(3))
    assert loser["test"]["t"] == pytest.approx(t, rel=1e-4)
    assert loser["test"]["p_value"] == pytest.approx(1 - abs(t) / math.sqrt(2 + t * t), rel=1e-3)
    assert loser["p_holm"] == pytest.approx(2 * loser["test"]["p_value"], rel=1e-6)
    assert loser["verdict"] == "worse"
    # lower is better (a loss): the same numbers read the other way
    as_loss = comparison.paired_verdicts(values, "adam", higher_is_better=False)
    assert as_loss["sgd"]["verdict"] == "worse" and as_loss["loser"]["verdict"] == "better"
    # an arm with one shared seed is not tested
    single = comparison.paired_verdicts({"a": {0: 1.0, 1: 2.0}, "b": {1: 3.0}}, "a", True)
    assert single["b"]["verdict"] == stats.NOT_TESTED
    table = comparison.verdict_table(tested, "test_accuracy", "adam")
    assert table["header"][0] == "variant" and "verdict" in table["header"]
    assert [row[table["header"].index("verdict")] for row in table["rows"]][1] == "better"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("optimizers", "adam"),  # the variant equal to the recipe's defaults
        ("losses", "cross_entropy"),
        ("activations", "relu"),
        ("regularization", "none"),
        ("initializers", "glorot"),  # declared: REFERENCE_VARIANT in recipes/initializers.py
    ],
)
def test_reference_arm(name, expected):
    from dlrecipes.runs import prepare

    resolved = prepare(name, smoke=True)
    assert comparison.reference_variant(resolved, resolved.recipe.variants) == expected
    only_two = [v for v in resolved.recipe.variants if v.name != expected][:2]
    assert comparison.reference_variant(resolved, only_two) == only_two[0].name


# ----------------------------------------------------------------------------- real runs


def _test_metrics(run_dir: Path) -> dict:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    return {"test": metrics["test"], "evaluation": metrics["evaluation"]}


def test_jobs_2_gives_the_same_per_seed_metrics_as_sequential_and_as_a_plain_run(tmp_path):
    """The smoke optimizers recipe (one epoch, 128 digits, XLA on as in the default
    profile), seeds 0 and 1: sequentially in this process, then in two worker processes
    of one thread each, then seed 1 alone through dlrecipes.run: the same metrics, bit
    for bit."""
    import dlrecipes

    overrides = ["data.limit=128", "train.epochs=1", "train.jit_compile=true"]
    options = dict(smoke=True, overrides=overrides, quiet=True)
    sequential = seeds.run_seeds("optimizers", seeds="0-1", out=tmp_path / "a", **options)
    parallel = seeds.run_seeds("optimizers", seeds="0-1", jobs=2, out=tmp_path / "b", **options)
    assert [r.status for r in parallel.runs] == ["completed", "completed"]
    for one, other in zip(sequential.runs, parallel.runs):
        assert _test_metrics(one.run_dir) == _test_metrics(other.run_dir)
    assert sequential.summary["metrics"] == {
        k: v for k, v in parallel.summary["metrics"].items() if k != "wall_time_s"
    } | {"wall_time_s": sequential.summary["metrics"]["wall_time_s"]}
    logs = sorted(p.name for p in (parallel.group_dir / "logs").iterdir())
    assert logs == ["s0.result.json", "s1.result.json", "worker-0.log", "worker-1.log"]
    alone = dlrecipes.run(
        "optimizers", smoke=True, overrides=options["overrides"], seed=1, out=tmp_path / "c"
    )
    assert _test_metrics(alone.run_dir) == _test_metrics(sequential.runs[1].run_dir)
    # the group directory
    group = sequential.group_dir
    assert group.parent == tmp_path / "a" / "optimizers" and group.name.startswith("seeds-")
    for name in ("group.json", "recipe.toml", "base.toml", "summary.json", "summary.csv"):
        assert (group / name).is_file()
    assert (group / "plots" / "seeds_loss.png").is_file()
    assert sequential.report == group / "report.html" and sequential.report.is_file()
    assert all(r.run_dir.parent == group / "optimizers" for r in sequential.runs)


def test_compare_over_seeds_writes_table_verdicts_bands_and_report(tmp_path, capsys):
    result = comparison.compare(
        "optimizers",
        smoke=True,
        overrides=["data.limit=128", "train.epochs=1"],
        only=["sgd", "adam"],
        seeds="0-1",
        out=tmp_path,
    )
    printed = capsys.readouterr().out
    assert result.reference == "adam"
    assert set(result.verdicts()) == {"sgd", "adam"} and result.verdicts()["adam"] == "reference"
    assert result.verdicts()["sgd"] in stats.VERDICTS
    data = json.loads((result.compare_dir / "compare.json").read_text())
    assert data["seeds"] == [0, 1] and data["reference"] == "adam"
    assert data["verdict_metric"] == "test_accuracy" and "verdict" in data["table"]["header"]
    assert data["arms"]["sgd"]["summary"]["metrics"]["test_accuracy"]["n"] == 2
    with result.csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["variant"] for row in rows] == ["sgd", "adam"]
    for name in ("compare_loss.png", "compare_val_accuracy.png"):
        assert (result.compare_dir / "plots" / name).is_file()
    for arm in ("sgd", "adam"):
        assert (result.compare_dir / arm / "summary.json").is_file()
        assert len(list((result.compare_dir / arm / "optimizers").iterdir())) == 2
    assert (result.compare_dir / "report.html").is_file()
    assert "verdict" in printed and f"report: {result.compare_dir / 'report.html'}" in printed
    # completing the comparison runs nothing again
    again = comparison.compare_seeds(resume=result.compare_dir, quiet=True, report=False)
    assert again.verdicts() == result.verdicts()


def test_losses_of_arms_that_minimise_different_losses_are_not_tested(tmp_path, monkeypatch):
    """In ``losses`` the arms minimise cross-entropy, square error and the hinge: their
    losses are in different units, so only accuracy gets a verdict."""
    monkeypatch.setattr(seeds, "run", _fake_run({0: 0.9, 1: 0.95}, {}, []))
    result = comparison.compare_seeds(
        "losses", seeds=2, smoke=True, out=tmp_path, quiet=True, report=False
    )
    assert result.reference == "cross_entropy"
    assert "test_accuracy" in result.tests and "test_loss" not in result.tests
    assert not any("loss verdict" in column for column in result.rows["header"])
    data = json.loads((result.compare_dir / "compare.json").read_text())
    assert data["losses_compared"] is False
    same = comparison.compare_seeds(
        "optimizers", seeds=2, smoke=True, out=tmp_path, quiet=True, report=False
    )
    assert "test_loss" in same.tests and "test_loss verdict" in same.rows["header"]


def test_an_rl_group_reports_iqm_solved_and_greedy_return_bands(tmp_path):
    group = seeds.run_seeds("dqn_cartpole", seeds=2, smoke=True, out=tmp_path, quiet=True)
    summary = group.summary
    assert summary["headline"] == "eval_return_mean"
    returns = summary["metrics"]["eval_return_mean"]
    assert returns["n"] == 2 and returns["iqm"] == pytest.approx(returns["mean"])  # n < 4
    assert returns["iqm_ci_low"] <= returns["iqm"] <= returns["iqm_ci_high"]
    assert summary["solved"]["seeds"] == 2 and "solved in" in group.table()
    greedy = seeds._greedy_returns(group.runs[0].run_dir)
    assert greedy[0] == sorted(greedy[0]) and len(greedy[0]) >= 1  # eval every 300 steps
    for name in ("seeds_returns_greedy.png", "seeds_returns.png"):
        assert (group.group_dir / "plots" / name).is_file()
