"""Sequence sources for the RNN lecture: the adding problem and character text.

- ``adding[:T]``: the adding problem (Hochreiter & Schmidhuber 1997, experiment 4),
  a synthetic test of long-term memory. Each example is ``T`` steps of two
  features: a random value in [0, 1] and a marker that is 1 at exactly two
  steps (one in the first half, one in the second) and 0 elsewhere. The
  target is the sum of the two marked values. Predicting the mean (1.0)
  scores MSE = Var(u1 + u2) = 2 / 12 = 0.167: a network below that has
  learned to remember across up to ``T`` steps.
- ``text:PATH``: any UTF-8 text file, cut into windows for a character-level
  language model (e.g. ``text:../shared/data/tinyshakespeare/input.txt``).
  ``text`` with no path is ``stdlib_text``.
- ``stdlib_text``: an embedded corpus, no files needed: the Python standard
  library's own ``.py`` sources on this machine, read in sorted order, so the
  same Python install always gives the same text.

Text is a next-character task. The corpus is cut into non-overlapping windows
of ``seq_length + 1`` characters; ``x`` is the first ``seq_length`` ids and
``y`` the same window shifted by one, so ``y[n, t]`` is the character after
``x[n, t]``::

    text  "To be, or not"      x = "To be, or no"     y = "o be, or not"

``x`` and ``y`` are ``(N, seq_length)`` int32 ids (kind ``tokens``), a
classification task with one class per character: fit with
``sparse_categorical_crossentropy`` (nats per character). The vocabulary
(sorted characters) is ``class_names`` and ``extras["vocabulary"]``; because
windows do not overlap, a random train / validation / test split shares no text.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import numpy as np

from dlrecipes.data.embedded import _option, check_options
from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.splits import RawData
from dlrecipes.recipe import RecipeError

#: MSE of always predicting E[u1 + u2] = 1 on the adding problem: Var(u1 + u2) = 1/6.
ADDING_BASELINE_MSE = 1.0 / 6.0


# --------------------------------------------------------------------------- adding problem


def adding_problem(num_samples: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Generate the adding problem.

    Args:
        num_samples: number of sequences N.
        length: time steps T (>= 2).
        seed: NumPy seed; the same seed gives the same arrays.

    Returns:
        ``x`` (N, T, 2) float32 -- ``x[..., 0]`` values in [0, 1), ``x[..., 1]``
        markers (exactly two ones per sequence, one in steps ``[0, T//2)`` and
        one in ``[T//2, T)``) -- and ``y`` (N, 1) float32, the sum of the two
        marked values.
    """
    if length < 2:
        raise RecipeError(f"the adding problem needs length >= 2. Received: length={length}")
    if num_samples < 1:
        raise RecipeError(f"num_samples must be >= 1. Received: num_samples={num_samples}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, (num_samples, length))  # (N, T)
    half = length // 2
    first = rng.integers(0, half, num_samples)  # (N,)
    second = rng.integers(half, length, num_samples)  # (N,)
    markers = np.zeros((num_samples, length))
    rows = np.arange(num_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype("float32")  # (N, T, 2)
    y = (values[rows, first] + values[rows, second])[:, None].astype("float32")  # (N, 1)
    return x, y


def adding(argument: str, options: dict, seed: int) -> RawData:
    """The adding problem: ``adding`` or ``adding:T``; options ``length``, ``num_samples``."""
    check_options("adding", options, ("length", "num_samples"))
    default_length = 100
    if argument:
        if not argument.isdigit():
            raise RecipeError(f"adding:T expects an integer length T. Received: {argument!r}")
        default_length = int(argument)
    length = _option(options, "length", default_length, int)
    num_samples = _option(options, "num_samples", 20_000, int)
    x, y = adding_problem(num_samples, length, seed)
    return RawData(
        x=x,
        y=y,
        kind="sequence",
        task="regression",
        extras={"length": length, "baseline_mse": ADDING_BASELINE_MSE},
    )


# --------------------------------------------------------------------------- text

#: Directories of the standard library left out of ``stdlib_text`` (tests, vendored code).
STDLIB_EXCLUDED = frozenset(
    {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__", "lib2to3"}
)


def stdlib_corpus(max_chars: int = 1_000_000) -> str:
    """The standard library's ``.py`` sources, concatenated in sorted path order.

    Only printable ASCII, newlines and no tabs are kept (tabs become four spaces),
    so the vocabulary stays under 100 characters. Deterministic for one Python
    installation.

    Args:
        max_chars: stop once the corpus is this long (0 = everything).
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    if not root.is_dir():
        raise DataUnavailableError(
            f"stdlib_text: the standard library directory was not found. Received: {str(root)!r}"
        )
    files = sorted(
        (path for path in root.rglob("*.py") if not STDLIB_EXCLUDED & set(path.parts)),
        key=lambda path: path.relative_to(root).as_posix(),
    )
    allowed = {chr(c) for c in range(32, 127)} | {"\n"}
    pieces, total = [], 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        text = "".join(c for c in text.replace("\t", "    ") if c in allowed)
        pieces.append(text)
        total += len(text)
        if max_chars and total >= max_chars:
            break
    corpus = "".join(pieces)
    return corpus[:max_chars] if max_chars else corpus


def read_text(path: str) -> str:
    """A UTF-8 text file (undecodable bytes replaced), or a one-line error."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise DataUnavailableError(
            f"text file not found. Received: {path!r} (e.g. "
            "text:../shared/data/tinyshakespeare/input.txt)"
        )
    try:
        return file.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise DataUnavailableError(
            f"cannot read the text file {path!r} ({error.strerror or error}); expected a "
            "readable UTF-8 text file"
        ) from None


def encode_windows(corpus: str, seq_length: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Cut ``corpus`` into next-character windows.

    Returns:
        ``x`` (N, seq_length) int32, ``y`` (N, seq_length) int32 with
        ``y[n, t] = x[n, t + 1]`` across the window boundary, and the vocabulary
        (the sorted distinct characters; id ``k`` is ``vocabulary[k]``).
    """
    if seq_length < 1:
        raise RecipeError(f"seq_length must be >= 1. Received: seq_length={seq_length}")
    vocabulary = "".join(sorted(set(corpus)))
    lookup = np.zeros(max(map(ord, vocabulary), default=0) + 1, dtype="int32")
    lookup[[ord(c) for c in vocabulary]] = np.arange(len(vocabulary), dtype="int32")
    ids = lookup[np.frombuffer(corpus.encode("utf-32-le"), dtype="<u4")]  # (len(corpus),)
    num_windows = (len(ids) - 1) // seq_length
    if num_windows < 1:
        raise RecipeError(
            f"the text is too short for one window of {seq_length + 1} characters. "
            f"Received: {len(corpus)} characters"
        )
    used = ids[: num_windows * seq_length + 1]
    x = used[:-1].reshape(num_windows, seq_length)  # (N, T)
    y = used[1:].reshape(num_windows, seq_length)  # (N, T), shifted by one character
    return x, y, vocabulary


def _text_data(corpus: str, name: str, options: dict) -> RawData:
    seq_length = _option(options, "seq_length", 100, int)
    x, y, vocabulary = encode_windows(corpus, seq_length)
    return RawData(
        x=x,
        y=y,
        kind="tokens",
        task="classification",
        class_names=tuple(vocabulary),
        extras={"vocabulary": vocabulary, "corpus": name, "corpus_chars": len(corpus)},
    )


def text(argument: str, options: dict, seed: int) -> RawData:
    """A character corpus from a text file: ``text:PATH`` (bare ``text`` = ``stdlib_text``).

    Options: ``seq_length`` (characters per window, 100), ``max_chars`` (use at
    most this many characters from the start of the file, 0 = all).
    """
    check_options("text", options, ("seq_length", "max_chars"))
    if not argument:
        return stdlib_text("", options, seed)
    max_chars = _option(options, "max_chars", 0, int, low=0)
    corpus = read_text(argument)
    return _text_data(corpus[:max_chars] if max_chars else corpus, argument, options)


def stdlib_text(argument: str, options: dict, seed: int) -> RawData:
    """The embedded character corpus: Python's standard library sources (no files needed).

    Options: ``seq_length`` (100), ``max_chars`` (1,000,000; 0 = all of it).
    """
    check_options("stdlib_text", options, ("seq_length", "max_chars"))
    corpus = stdlib_corpus(_option(options, "max_chars", 1_000_000, int, low=0))
    return _text_data(corpus, "stdlib_text", options)
