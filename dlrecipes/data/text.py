"""Text classification sources: raw strings with a class label, for models that vectorize.

Each returns :class:`RawData` of ``kind="text"``: ``x`` a 1-D NumPy array of Python
strings (``dtype=object``; Keras and TensorFlow read it as a ``tf.string`` batch),
``y`` integer labels. Nothing is tokenised here: the model's own
``keras.layers.TextVectorization`` learns its vocabulary from the training split
(:func:`dlrecipes.models.text.adapt_text_vectorization`), so the saved model takes
raw text.

- ``stdlib_docs`` (embedded, no files): the docstrings of Python's standard
  library, labelled by the package they document.
- ``text_dir:DIR``: a directory in the layout of
  ``keras.utils.text_dataset_from_directory`` -- one folder per class of ``.txt``
  files (``DIR/spam/1.txt``, ``DIR/ham/2.txt``); with ``DIR/train`` and
  ``DIR/test`` in that layout (as the IMDB archive ``aclImdb`` ships), those are
  the training and test splits.
- ``keras:imdb``: the 50,000 IMDB movie reviews of ``keras.datasets.imdb``
  (positive / negative), rebuilt as text from Keras' word ids.
"""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import numpy as np

from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.splits import RawData

#: The packages ``stdlib_docs`` reads by default, one class each (topics far apart:
#: asynchronous I/O, e-mail, HTTP, logging, a GUI toolkit, testing).
STDLIB_DOCS_PACKAGES = ("asyncio", "email", "http", "logging", "tkinter", "unittest")

#: Folders of the standard library that are not documentation of the package itself.
SKIPPED_PARTS = frozenset({"test", "tests", "idle_test", "__pycache__"})

DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)

OFFLINE_TEXT_HINT = "use the embedded source 'stdlib_docs' or a local copy with 'text_dir:DIR'"


def _check_options(source: str, options: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise DataUnavailableError(
            f"{source}: unknown option {unknown[0]!r}; expected one of: "
            f"{', '.join(allowed) or '(none)'}"
        )


def package_docstrings(package: str, min_words: int = 5) -> list[str]:
    """Every docstring of a standard-library package, read from its sources with ``ast``.

    Module, class, function and method docstrings of ``package/**/*.py`` (test
    folders left out), in sorted file order then source order; nothing is imported.
    Docstrings of fewer than ``min_words`` words are skipped.

    Raises:
        DataUnavailableError: the package is not in this Python's standard library.
    """
    root = Path(sysconfig.get_paths()["stdlib"]) / package
    if not (root / "__init__.py").is_file():
        raise DataUnavailableError(
            f"stdlib_docs: {package!r} is not a package of this Python's standard library "
            f"({root.parent}); expected package names such as {', '.join(STDLIB_DOCS_PACKAGES)}"
        )
    texts = []
    for path in sorted(root.rglob("*.py"), key=lambda p: p.relative_to(root).as_posix()):
        if SKIPPED_PARTS & set(path.relative_to(root).parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, DOCUMENTED):
                text = ast.get_docstring(node)
                if text and len(text.split()) >= min_words:
                    texts.append(text)
    return texts


def stdlib_docs(argument: str, options: dict, seed: int) -> RawData:
    """The embedded text-classification set: which package does this docstring document?

    Real English technical text that every Python installation has: the
    docstrings of six standard-library packages (``STDLIB_DOCS_PACKAGES``),
    each labelled by its package. About 1,860 documents with Python 3.11 (tkinter
    714, asyncio 315, email 294, logging 231, unittest 167, http 137: always
    answering tkinter scores 38 %). Deterministic for one Python installation;
    another Python version has somewhat different docstrings. A docstring often
    names its own package or its classes, which makes the task easier than
    sentiment.

    Options: ``packages`` (a list of package names, one class each; default the six),
    ``min_words`` (5: shorter docstrings are skipped).
    """
    _check_options("stdlib_docs", options, ("packages", "min_words"))
    packages = tuple(options.get("packages", STDLIB_DOCS_PACKAGES))
    if len(packages) < 2 or len(set(packages)) != len(packages):
        raise DataUnavailableError(
            f"stdlib_docs: packages must name at least 2 different packages. "
            f"Received: packages={list(packages)!r}"
        )
    min_words = int(options.get("min_words", 5))
    texts, labels = [], []
    for label, package in enumerate(packages):
        documents = package_docstrings(package, min_words)
        if not documents:
            raise DataUnavailableError(
                f"stdlib_docs: package {package!r} has no docstrings of {min_words}+ words"
            )
        texts.extend(documents)
        labels.extend([label] * len(documents))
    return RawData(
        x=np.array(texts, dtype=object),
        y=np.array(labels, dtype="int32"),
        kind="text",
        class_names=packages,
    )


def _read_class_folders(directory: Path, source: str):
    """Texts and labels of one ``text_dataset_from_directory`` layout (read by Keras)."""
    import keras

    try:
        dataset = keras.utils.text_dataset_from_directory(
            str(directory), batch_size=None, shuffle=False, verbose=False
        )
    except (ValueError, OSError) as error:  # no class folders, no .txt files
        raise DataUnavailableError(
            f"{source}: {str(directory)!r} is not one folder of .txt files per class "
            f"({str(error).splitlines()[0]})"
        ) from None
    texts, labels = [], []
    for text, label in dataset.as_numpy_iterator():
        texts.append(text.decode("utf-8", errors="replace"))
        labels.append(int(label))
    return texts, labels, tuple(dataset.class_names)


def text_dir(argument: str, options: dict, seed: int) -> RawData:
    """``text_dir:DIR``: one folder of ``.txt`` files per class, as
    ``keras.utils.text_dataset_from_directory`` reads it (class names sorted, one
    label each). ``DIR/train`` and ``DIR/test`` in that layout become the training
    and test splits (``aclImdb``'s layout); otherwise the recipe's
    ``data.test_fraction`` holds out the test split.
    """
    _check_options(f"text_dir:{argument}", options, ())
    source = f"text_dir:{argument}"
    directory = Path(argument).expanduser()
    if not argument or not directory.is_dir():
        raise DataUnavailableError(
            f"{source}: no such directory {argument!r}; expected one folder of .txt files per "
            "class, e.g. text_dir:reviews with reviews/pos/*.txt and reviews/neg/*.txt"
        )
    if (directory / "train").is_dir() and (directory / "test").is_dir():
        x, y, class_names = _read_class_folders(directory / "train", source)
        x_test, y_test, test_names = _read_class_folders(directory / "test", source)
        if test_names != class_names:
            raise DataUnavailableError(
                f"{source}: test has the classes {list(test_names)} but train has "
                f"{list(class_names)}; expected the same class folders in both"
            )
        return RawData(
            x=np.array(x, dtype=object),
            y=np.array(y, dtype="int32"),
            x_test=np.array(x_test, dtype=object),
            y_test=np.array(y_test, dtype="int32"),
            kind="text",
            class_names=class_names,
        )
    x, y, class_names = _read_class_folders(directory, source)
    return RawData(
        x=np.array(x, dtype=object),
        y=np.array(y, dtype="int32"),
        kind="text",
        class_names=class_names,
    )


def imdb_texts(sequences, word_index: dict, index_from: int = 3) -> list[str]:
    """Keras' IMDB word-id sequences back to text.

    ``keras.datasets.imdb`` ships each review as word ids: 1 starts a review, 2 is
    an out-of-vocabulary word, and the word ranked ``r`` by ``get_word_index()`` is
    ``r + index_from``. The text is lower-case without punctuation, as Keras
    prepared it.
    """
    words = {rank + index_from: word for word, rank in word_index.items()}
    return [" ".join(words.get(int(i), "[UNK]") for i in ids if i > 2) for ids in sequences]


def keras_imdb(options: dict, seed: int) -> RawData:
    """``keras:imdb``: 25,000 training and 25,000 test reviews, negative (0) / positive (1).

    Downloads through ``keras.datasets.imdb`` (the reviews and ``get_word_index()``)
    on first use; offline without a cached copy it is one line naming the
    embedded and file sources to use instead.
    """
    _check_options("keras:imdb", options, ())
    import keras

    try:
        (x, y), (x_test, y_test) = keras.datasets.imdb.load_data()
        word_index = keras.datasets.imdb.get_word_index()
    except Exception as error:  # urllib, socket and Keras' own download errors
        first = str(error).splitlines()[0] if str(error) else ""
        raise DataUnavailableError(
            f"could not download keras:imdb (offline?): {type(error).__name__}: {first}; "
            f"{OFFLINE_TEXT_HINT}"
        ) from None
    return RawData(
        x=np.array(imdb_texts(x, word_index), dtype=object),
        y=np.asarray(y).reshape(-1).astype("int32"),
        x_test=np.array(imdb_texts(x_test, word_index), dtype=object),
        y_test=np.asarray(y_test).reshape(-1).astype("int32"),
        kind="text",
        class_names=("negative", "positive"),
    )
