"""SIGKILL one worker of ``tune --workers 2`` in the middle of a trial, and report what happens.

Questions (issue 19): does the search finish, is the lost trial rerun, is any trial
counted twice, does the chief (Keras Tuner) exit? Then the same command is run again
(the documented way to resume) and the same questions are asked of the result.

    python bench/tune_kill_worker.py --engine keras_tuner
    python bench/tune_kill_worker.py --engine optuna                      # journal file
    python bench/tune_kill_worker.py --engine optuna --storage postgresql+psycopg://...

Prints one JSON document. Uses ``softmax_regression --smoke`` with more epochs so
that each trial lasts a few seconds. The worker to kill is found by its
environment (``KERASTUNER_TUNER_ID=tuner1`` or ``DLRECIPES_OPTUNA_WORKER=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    return dict(
        item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item
    )


def _find(pid: int, key: str, value: str) -> int | None:
    for child in _descendants(pid):
        if _environ(child).get(key) == value:
            return child
    return None


def _log(search_dir: Path) -> list[dict]:
    path = search_dir / "log.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _summary(search_dir: Path) -> dict:
    log = _log(search_dir)
    runs: dict[str, list[str]] = {}
    for record in log:
        runs.setdefault(str(record["trial_id"]), []).append(
            f"{record['tuner_id']}:{record['status']}"
        )
    results = search_dir / "results.csv"
    rows = results.read_text().splitlines()[1:] if results.is_file() else []
    statuses = [row.split(",")[1] for row in rows]
    return {
        "log_records": len(log),
        "runs_per_trial": runs,
        "completed_in_table": statuses.count("COMPLETED"),
        "table_statuses": statuses,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("keras_tuner", "optuna"), default="keras_tuner")
    parser.add_argument("--storage", help="optuna: a storage URL (default: the journal file)")
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--timeout", type=float, default=420.0)
    parser.add_argument("--out", type=Path, help="search root (default: a temporary folder)")
    parser.add_argument(
        "--raw",
        action="store_true",
        help="keras_tuner: start the chief and two workers by their environment variables "
        "(as on several machines) instead of --workers, and see whether the chief exits",
    )
    args = parser.parse_args(argv)
    if args.raw:
        return raw_keras_tuner(args)

    out = args.out or Path(tempfile.mkdtemp(prefix="tune-kill-"))
    command = [sys.executable, "-m", "recipes", "tune", "softmax_regression", "--smoke"]
    command += ["--set", f"train.epochs={args.epochs}", "--set", "train.early_stopping_patience=0"]
    command += ["--trials", str(args.trials), "--workers", "2", "--out", str(out)]
    if args.engine == "optuna":
        command += ["--engine", "optuna"] + (["--storage", args.storage] if args.storage else [])
        search_dir = out / "softmax_regression" / "search-optuna-random"
        key, value = "DLRECIPES_OPTUNA_WORKER", "1"
    else:
        search_dir = out / "softmax_regression" / "search-random"
        key, value = "KERASTUNER_TUNER_ID", "tuner1"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    report: dict = {"engine": args.engine, "command": " ".join(command[1:]), "out": str(out)}

    started = time.monotonic()
    first_log = out / "first.log"
    out.mkdir(parents=True, exist_ok=True)
    with first_log.open("w") as handle:
        first = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=handle, stderr=handle)
        victim = None
        # Wait until the victim has finished one trial and started the next.
        while time.monotonic() - started < args.timeout and first.poll() is None:
            victim = victim or _find(first.pid, key, value)
            done = [r for r in _log(search_dir) if str(r.get("pid")) == str(victim)]
            if victim and done:
                time.sleep(2.0)  # inside its next trial
                break
            time.sleep(0.3)
        if victim is None or first.poll() is not None:
            report["error"] = "the victim was not found (or the search ended first)"
            print(json.dumps(report, indent=2))
            return 1
        report["killed_pid"] = victim
        report["killed_at_s"] = round(time.monotonic() - started, 1)
        report["log_before_kill"] = len(_log(search_dir))
        os.kill(victim, signal.SIGKILL)
        try:
            first.wait(timeout=args.timeout)
            report["first_exit"] = first.returncode
        except subprocess.TimeoutExpired:
            report["first_exit"] = f"still running after {args.timeout:.0f} s (hung); killed"
            for pid in _descendants(first.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            first.kill()
            first.wait()
    report["first_seconds"] = round(time.monotonic() - started, 1)
    report["first_tail"] = first_log.read_text().strip().splitlines()[-4:]
    report["after_first"] = _summary(search_dir)

    second = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=args.timeout
    )
    report["rerun_exit"] = second.returncode
    report["rerun_tail"] = (second.stdout + second.stderr).strip().splitlines()[-3:]
    report["after_rerun"] = _summary(search_dir)
    print(json.dumps(report, indent=2))
    return 0


def raw_keras_tuner(args) -> int:
    """Keras Tuner's own chief / worker processes, no parent watching them."""
    from dlrecipes.tuning.distributed import free_port

    out = args.out or Path(tempfile.mkdtemp(prefix="tune-kill-raw-"))
    out.mkdir(parents=True, exist_ok=True)
    search_dir = out / "softmax_regression" / "search-random"
    command = [sys.executable, "-m", "recipes", "tune", "softmax_regression", "--smoke"]
    command += ["--set", f"train.epochs={args.epochs}", "--set", "train.early_stopping_patience=0"]
    command += ["--trials", str(args.trials), "--out", str(out)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    env.update(TF_CPP_MIN_LOG_LEVEL="3", KERASTUNER_ORACLE_IP="127.0.0.1")
    env["KERASTUNER_ORACLE_PORT"] = str(free_port())
    report: dict = {"engine": "keras_tuner (raw chief + 2 workers)", "out": str(out)}
    procs = {}
    started = time.monotonic()
    for name in ("chief", "tuner0", "tuner1"):
        log = (out / f"{name}.log").open("w")
        procs[name] = subprocess.Popen(
            command, cwd=REPO_ROOT, env={**env, "KERASTUNER_TUNER_ID": name}, stdout=log, stderr=log
        )
        if name == "chief":
            time.sleep(15)  # let the chief listen first
    victim = procs["tuner1"]
    while time.monotonic() - started < args.timeout:
        if [r for r in _log(search_dir) if r.get("pid") == victim.pid]:
            time.sleep(2.0)
            break
        time.sleep(0.3)
    os.kill(victim.pid, signal.SIGKILL)
    report["killed_at_s"] = round(time.monotonic() - started, 1)
    try:
        procs["tuner0"].wait(timeout=args.timeout)
        report["tuner0_exit"] = procs["tuner0"].returncode
    except subprocess.TimeoutExpired:
        report["tuner0_exit"] = "still running"
    report["tuner0_done_s"] = round(time.monotonic() - started, 1)
    try:
        procs["chief"].wait(timeout=90)
        report["chief_exit"] = procs["chief"].returncode
    except subprocess.TimeoutExpired:
        report["chief_exit"] = "still running 90 s after the last worker ended (hung); killed"
    for proc in procs.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    statuses = {}
    for path in sorted(search_dir.glob("trial_*/trial.json")):
        statuses[path.parent.name] = json.loads(path.read_text()).get("status")
    report["trial_statuses"] = statuses
    report["log"] = _summary(search_dir)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
