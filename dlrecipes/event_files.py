"""TensorBoard event files as data: read their scalars, cut them back to a backup.

An event file (``events.out.tfevents.*``) is a sequence of records, each

    length (uint64, little-endian) | masked CRC-32C of length | Event protobuf | masked CRC-32C

and every ``Event`` carries its ``wall_time`` (seconds since the epoch, taken when it
was logged) and a ``step``. Reading needs the ``tensorboard`` package's protobufs only,
no TensorFlow, so it works under every backend.

A resumed run starts again from its last backup, and whatever it had logged after
that backup would be logged a second time: TensorBoard would draw each of those
epochs twice (a zigzag back in time). :func:`cut_back` removes the events logged
after the backup's time, so the run directory holds every step once, as the
uninterrupted run's does.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path

from dlrecipes import atomic

_HEADER = 12  # length (8) + its CRC (4)
_FOOTER = 4  # the data's CRC


def event_files(directory: str | Path) -> list[Path]:
    """Every event file under ``directory`` (``train/``, ``validation/``, ...), sorted."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(directory.rglob("events.out.tfevents.*"))


def _records(data: bytes) -> Iterator[tuple[object, int]]:
    """``(Event, offset after it)`` for each whole record of an event file's bytes; a
    record cut short (the process was killed while writing it) or damaged ends them."""
    from tensorboard.compat.proto import event_pb2

    offset = 0
    while offset + _HEADER <= len(data):
        (length,) = struct.unpack_from("<Q", data, offset)
        end = offset + _HEADER + length
        if end + _FOOTER > len(data):
            return
        try:
            event = event_pb2.Event.FromString(data[offset + _HEADER : end])
        except Exception:  # noqa: BLE001 - protobuf's DecodeError: a damaged record
            return
        offset = end + _FOOTER
        yield event, offset


def read_events(path: str | Path) -> Iterator:
    """The ``Event`` protobufs of one file, in the order they were written (up to a
    record cut short by a killed process)."""
    for event, _ in _records(Path(path).read_bytes()):
        yield event


def _value(summary_value) -> float | None:
    """The number of a scalar summary: ``simple_value`` or a scalar ``tensor``."""
    if summary_value.HasField("simple_value"):
        return float(summary_value.simple_value)
    if summary_value.HasField("tensor"):
        from tensorboard.util import tensor_util

        array = tensor_util.make_ndarray(summary_value.tensor)
        if array.ndim == 0 and array.dtype.kind in "fiu":
            return float(array)
    return None


def scalars(directory: str | Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar under ``directory`` as ``{"<subdir>/<tag>": [(step, value), ...]}``,
    in the order they were logged (files in name order, hence in time order).

    Example: a Keras fit's ``scalars(run_dir / "tensorboard")["train/epoch_loss"]`` is
    ``[(0, 0.91), (1, 0.45), ...]``, one pair per epoch.
    """
    directory = Path(directory)
    found: dict[str, list[tuple[int, float]]] = {}
    for path in event_files(directory):
        prefix = path.parent.relative_to(directory).as_posix()
        for event in read_events(path):
            for summary_value in event.summary.value:
                value = _value(summary_value)
                if value is not None:
                    name = summary_value.tag if prefix == "." else f"{prefix}/{summary_value.tag}"
                    found.setdefault(name, []).append((int(event.step), value))
    return found


def cut_back(directory: str | Path, wall_time: float) -> int:
    """Remove from every event file under ``directory`` the events logged after
    ``wall_time`` (a backup's ``time.time()``); return how many were removed.

    Each file is rewritten atomically; a file left without any summary is deleted.
    Call it before a resumed run opens its own writers.
    """
    from tensorboard.summary.writer.record_writer import RecordWriter

    removed = 0
    for path in event_files(directory):
        data = path.read_bytes()
        records = list(_records(data))
        kept = [event for event, _ in records if event.wall_time <= wall_time]
        cut = len(records) - len(kept)
        whole = (records[-1][1] if records else 0) == len(data)  # no half-written tail
        if cut == 0 and whole:
            continue
        removed += cut
        if not any(event.HasField("summary") for event in kept):
            path.unlink()
            continue
        buffer = io.BytesIO()
        writer = RecordWriter(buffer)
        for event in kept:
            writer.write(event.SerializeToString())
        atomic.write_bytes(path, buffer.getvalue())
    return removed
