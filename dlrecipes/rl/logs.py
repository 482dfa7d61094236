"""What a training run reports as it goes: TensorBoard scalars, episodes.csv, progress.

The TensorBoard writer writes event files directly (the record format of
``tf.summary``: length, masked CRC-32C, protobuf ``Event``, masked CRC-32C)
with the ``tensorboard`` package, so that logging imports no TensorFlow under
the JAX backend.
"""

from __future__ import annotations

import csv
import io
import socket
import sys
import time
from pathlib import Path

from dlrecipes import atomic

EPISODE_COLUMNS = ("episode", "env_step", "return", "length", "epsilon", "wall_time_s")


class ScalarWriter:
    """Append scalar summaries to a TensorBoard event file in ``directory``."""

    def __init__(self, directory: Path):
        from tensorboard.compat.proto import event_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self._event_pb2 = event_pb2
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.dlrecipes"
        self._file = (directory / name).open("ab")
        self._writer = RecordWriter(self._file)
        self._write(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def _write(self, event) -> None:
        self._writer.write(event.SerializeToString())

    def scalars(self, step: int, values: dict[str, float]) -> None:
        from tensorboard.compat.proto import summary_pb2

        summary = summary_pb2.Summary(
            value=[
                summary_pb2.Summary.Value(tag=tag, simple_value=float(value))
                for tag, value in values.items()
            ]
        )
        self._write(self._event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class EpisodeLog:
    """``episodes.csv``: one row per finished training episode.

    On resume the file is cut back to the episodes the checkpoint knows about, so
    rows logged after the last checkpoint are not duplicated.
    """

    def __init__(self, path: Path, keep_episodes: int | None = None):
        self.path = Path(path)
        rows = []
        if keep_episodes is not None and self.path.is_file():
            with self.path.open(newline="") as handle:
                rows = [r for r in csv.DictReader(handle) if int(r["episode"]) <= keep_episodes]
        # Cut back atomically, then append: a run killed right here loses no episode.
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, EPISODE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        atomic.write_text(self.path, text.getvalue())
        self._file = self.path.open("a", newline="")
        self._writer = csv.DictWriter(self._file, EPISODE_COLUMNS)

    def write(self, **row) -> None:
        self._writer.writerow(row)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    @staticmethod
    def read(path: Path) -> dict[str, list[float]]:
        """The columns of an ``episodes.csv`` as lists of floats."""
        columns = {name: [] for name in EPISODE_COLUMNS}
        with Path(path).open(newline="") as handle:
            for row in csv.DictReader(handle):
                for name in EPISODE_COLUMNS:
                    columns[name].append(float(row[name]))
        return columns


class Progress:
    """One line every ``every`` env steps: steps, episodes, return, epsilon, steps/s, ETA."""

    def __init__(self, total_steps: int, every: int, start_step: int = 0, enabled: bool = True):
        self.total_steps = total_steps
        self.every = max(int(every), 1)
        self.enabled = enabled
        self.start_step = start_step
        self.start_time = time.perf_counter()
        self.next_step = start_step + self.every

    def steps_per_second(self, step: int) -> float:
        elapsed = time.perf_counter() - self.start_time
        return (step - self.start_step) / elapsed if elapsed > 0 else 0.0

    def maybe_print(self, step: int, episodes: int, recent_return: float, **extra) -> None:
        if not self.enabled or step < self.next_step:
            return
        self.next_step = step + self.every
        rate = self.steps_per_second(step)
        eta = (self.total_steps - step) / rate if rate > 0 else float("nan")
        fields = " | ".join(f"{key} {value}" for key, value in extra.items())
        print(
            f"step {step:,}/{self.total_steps:,} | episodes {episodes:,} | "
            f"return (last 20) {recent_return:.2f} | {fields} | "
            f"{rate:,.0f} steps/s | ETA {eta:.0f} s",
            file=sys.stdout,
            flush=True,
        )
