"""Searches across processes: a real interruption and resume; a chief with two workers.

Both start several TensorFlow processes (about a minute each on 2 CPU cores), so they
are marked slow: ``pytest -m slow tests/test_tuning_processes.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SMOKE = ["softmax_regression", "--smoke", "--set", "train.epochs=3"]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "recipes", "tune", *args]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def _log(search_dir: Path) -> list[dict]:
    path = search_dir / "log.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _wait(predicate, timeout: float, what: str, process=None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the search exited ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.slow
def test_a_killed_search_resumes_without_repeating_trials(tmp_path):
    search_dir = tmp_path / "softmax_regression" / "search-random"
    command = _cli(*SMOKE, "--trials", "4", "--out", str(tmp_path))
    first = subprocess.Popen(
        command, cwd=REPO_ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait(lambda: len(_log(search_dir)) >= 2, 240, "two finished trials", first)
        # Kill it for real while the third trial trains (or is about to).
        _wait(lambda: (search_dir / "trial_2").is_dir(), 60, "the third trial", first)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL
    kept = {t: (search_dir / f"trial_{t}" / "trial.json").read_text() for t in ("0", "1")}
    done_before = [r["trial_id"] for r in _log(search_dir)]
    assert done_before in (["0", "1"], ["0", "1", "2"])

    second = subprocess.run(
        command, cwd=REPO_ROOT, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{len(done_before)} of 4 trials already done" in second.stdout
    log = _log(search_dir)
    assert [r["trial_id"] for r in log] == ["0", "1", "2", "3"], "each trial ran once"
    assert len({r["pid"] for r in log[len(done_before) :]} - {r["pid"] for r in log[:2]}) == 1
    for trial_id, text in kept.items():  # finished trials are kept as they were
        assert (search_dir / f"trial_{trial_id}" / "trial.json").read_text() == text
    rows = (search_dir / "results.csv").read_text().splitlines()
    assert len(rows) == 1 + 4 and all(",COMPLETED," in row for row in rows[1:])


@pytest.mark.slow
def test_a_chief_and_two_workers_share_one_search(tmp_path):
    search_dir = tmp_path / "softmax_regression" / "search-random"
    done = subprocess.run(
        _cli(*SMOKE, "--trials", "4", "--out", str(tmp_path), "--workers", "2"),
        cwd=REPO_ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "distributed search: chief on 127.0.0.1:" in done.stdout
    log = _log(search_dir)
    assert sorted(r["trial_id"] for r in log) == ["0", "1", "2", "3"], "every trial once"
    assert {r["tuner_id"] for r in log} == {"tuner0", "tuner1"}, "both workers ran trials"
    assert len({r["pid"] for r in log}) == 2 and os.getpid() not in {r["pid"] for r in log}
    assert (search_dir / "chief.json").is_file() and (search_dir / "oracle.json").is_file()
    rows = (search_dir / "results.csv").read_text().splitlines()
    assert len(rows) == 1 + 4 and all(",COMPLETED," in row for row in rows[1:])
    assert [p.name for p in tmp_path.iterdir()] == ["softmax_regression"]
    assert sorted(p.name for p in search_dir.glob("trial_*")) == [f"trial_{i}" for i in range(4)]
