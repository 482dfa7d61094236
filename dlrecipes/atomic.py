"""Atomic writes: a reader (or a resumed run) sees the old file or the new one, never half.

Every file a run can be interrupted while writing goes through here. A file is
written to a temporary name in the same directory, flushed to disk and renamed
over its final name (``os.replace`` is atomic on POSIX and Windows); a directory
(a checkpoint, a backup) is built under ``<name>.tmp`` and swapped in with two
renames, and :func:`readable_directory` finds the previous one if a run died
between them. A write that fails (a full disk: ``OSError(ENOSPC)``) removes its
temporary file and re-raises, so nothing partial is ever left under a final name.

    >>> write_text(Path("notes.txt"), "hello")     # doctest: +SKIP
    >>> with replaced_directory(Path("checkpoint")) as new:   # doctest: +SKIP
    ...     np.savez(new / "arrays.npz", w=w)
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: What every temporary file name holds: ``.<final name>.tmp-<pid>-<random><suffix>``.
TEMPORARY_MARK = ".tmp-"


def remove_temporaries(folder: str | Path) -> list[Path]:
    """Remove the temporary files a killed writer left in ``folder`` and its subfolders."""
    removed = [path for path in Path(folder).rglob(f".*{TEMPORARY_MARK}*") if path.is_file()]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _temporary(path: Path, suffix: str = ".tmp") -> Path:
    """A new, unique, hidden file name next to ``path`` (ending with ``suffix``)."""
    # Not tempfile.mkstemp: its files are private (0600), a run directory's are not.
    return path.with_name(
        f".{path.name}{TEMPORARY_MARK}{os.getpid()}-{secrets.token_hex(4)}{suffix}"
    )


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def write_with(path: str | Path, writer: Callable[[Path], Any], suffix: str = ".tmp") -> None:
    """Atomically create ``path`` by calling ``writer(temporary_path)``.

    ``suffix`` is the temporary file's ending, for writers that insist on one
    (``model.save`` needs ``.keras``). If ``writer`` raises, the temporary file is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    temporary = _temporary(path, suffix)
    try:
        writer(temporary)
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    write_with(path, lambda temporary: temporary.write_bytes(data))


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, data: Any, indent: int | None = 2) -> None:
    """Write ``data`` as JSON to ``path`` atomically."""
    write_text(path, json.dumps(data, indent=indent, default=str))


def save_model(model, path: str | Path) -> None:
    """``model.save(path)`` atomically: a killed or failed save leaves no ``model.keras``."""
    write_with(path, model.save, suffix=".keras")


def _old(directory: Path) -> Path:
    return directory.with_name(directory.name + ".old")


def readable_directory(directory: str | Path) -> Path:
    """``directory``, or the previous one when a swap was interrupted between its renames."""
    directory = Path(directory)
    if not directory.exists() and _old(directory).is_dir():
        return _old(directory)
    return directory


@contextlib.contextmanager
def replaced_directory(directory: str | Path) -> Iterator[Path]:
    """Build the new content of ``directory`` in the yielded folder, then swap it in.

    If the body raises, the temporary folder is removed and ``directory`` is
    untouched. The swap is ``directory -> directory.old``, ``tmp -> directory``;
    in between, :func:`readable_directory` returns ``directory.old``.
    """
    directory = Path(directory)
    old, temporary = _old(directory), directory.with_name(directory.name + ".tmp")
    if not directory.exists() and old.is_dir():  # a previous swap died between its renames
        old.rename(directory)
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    try:
        yield temporary
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    temporary.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
