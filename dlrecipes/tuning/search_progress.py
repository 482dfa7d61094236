"""``SearchProgress``: one line per finished trial, and a log of who ran what."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from datetime import datetime
from pathlib import Path

LOG_NAME = "log.jsonl"


def rss_mb() -> float:
    """The resident set size of this process in MiB (``VmRSS``; peak RSS off Linux)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def format_seconds(seconds: float | None) -> str:
    """``38 s``, ``4 min 05 s``, ``1 h 12 min``; ``?`` when unknown."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "?"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def finished_trials(search_dir: str | Path) -> list[dict]:
    """The trials of a search directory that have ended (completed, failed or invalid).

    Read from Keras Tuner's ``trial_*/trial.json`` files, which the oracle writes
    (the chief's oracle in distributed mode, into the shared directory).
    """
    done = []
    for path in sorted(Path(search_dir).glob("trial_*/trial.json")):
        try:
            trial = json.loads(path.read_text())
        except (OSError, ValueError):  # being written by another process
            continue
        if trial.get("status") in ("COMPLETED", "FAILED", "INVALID"):
            done.append(trial)
    return done


class SearchProgress:
    """Prints ``trial i/N  ...  best so far ...  ETA ...`` and logs each trial run.

    Every trial run appends one JSON line to ``log.jsonl`` in the search directory:
    trial id, the tuner (worker) that ran it, process id and host, status, score,
    duration in seconds and the process's resident memory after the trial (after
    ``keras.backend.clear_session()``), so memory growth across trials can be read
    off the log. In distributed mode all workers append to the same file.

    The ETA divides the trials still to run by the rate at which trials finished
    since this process started searching, counted over all workers.

    Args:
        search_dir: the search directory (Keras Tuner's project directory).
        total: the number of trials of the search.
        objective: the quantity optimised (for the printed line).
        direction: ``max`` or ``min``.
        tuner_id: this process's Keras Tuner id (``tuner0``, ``chief``, ...).
        verbose: 0 prints nothing; the log is written anyway.
    """

    def __init__(
        self,
        search_dir: str | Path,
        total: int,
        objective: str,
        direction: str,
        tuner_id: str = "tuner0",
        verbose: int = 1,
    ):
        self.search_dir = Path(search_dir)
        self.total = total
        self.objective = objective
        self.direction = direction
        self.tuner_id = tuner_id
        self.verbose = verbose
        self.prefix = ""
        self._started_at = time.perf_counter()
        self._done_at_start = 0
        self._trial_started: dict[str, tuple[float, str]] = {}
        self.records: list[dict] = []

    def done_count(self) -> int:
        """The trials of the search that have ended, over all workers."""
        return len(finished_trials(self.search_dir))

    def search_started(self) -> None:
        """Remember how many trials were done before (a resumed search)."""
        self._started_at = time.perf_counter()
        self._done_at_start = self.done_count()
        if self.verbose and self._done_at_start:
            print(
                f"{self.prefix}resuming {self.search_dir}: {self._done_at_start} of "
                f"{self.total} trials already done (kept, not repeated)",
                flush=True,
            )

    def trial_started(self, trial_id: str) -> None:
        """Start the clock of a trial."""
        self._trial_started[trial_id] = (
            time.perf_counter(),
            datetime.now().isoformat(timespec="seconds"),
        )

    def trial_ended(self, trial_id: str, status: str, score, best, message: str = "") -> dict:
        """Log a finished trial and print its progress line.

        Args:
            trial_id: the trial's id.
            status: ``COMPLETED``, ``FAILED`` or ``INVALID``.
            score: its objective value (``None`` when it failed).
            best: ``(best score, best trial id)`` so far, or ``None``.
            message: why it failed.

        Returns:
            The logged record.
        """
        start, started_at = self._trial_started.pop(trial_id, (time.perf_counter(), None))
        seconds = time.perf_counter() - start
        record = {
            "trial_id": trial_id,
            "tuner_id": self.tuner_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "status": status,
            "score": score,
            "seconds": round(seconds, 3),
            "rss_mb": round(rss_mb(), 1),
            "started": started_at,
            "finished": datetime.now().isoformat(timespec="seconds"),
        }
        self.records.append(record)
        with (self.search_dir / LOG_NAME).open("a") as handle:
            handle.write(json.dumps(record) + "\n")
        if self.verbose:
            print(self.line(record, best), flush=True)
        return record

    def line(self, record: dict, best) -> str:
        """``trial 3/20  val_accuracy 0.9583  (2.1 s)  best so far 0.9722 (trial 01)  ETA ...``."""
        done = self.done_count()
        width = len(str(self.total))
        head = f"{self.prefix}trial {done:>{width}}/{self.total}"
        if record["status"] == "COMPLETED" and record["score"] is not None:
            what = f"{self.objective} {record['score']:.4f}"
        else:
            what = f"{record['status']}"
        elapsed = time.perf_counter() - self._started_at
        finished_here = max(0, done - self._done_at_start)
        remaining = max(0, self.total - done)
        eta = None
        if remaining == 0:
            eta = 0.0
        elif finished_here:
            eta = elapsed / finished_here * remaining
        best_text = "-" if best is None else f"{best[0]:.4f} (trial {best[1]})"
        return (
            f"{head}  [{record['trial_id']}] {what}  ({record['seconds']:.1f} s)  "
            f"best so far {best_text}  ETA {format_seconds(eta)}  RSS {record['rss_mb']:.0f} MiB"
        )
