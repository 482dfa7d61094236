"""Text sources: the embedded standard-library docstrings, a directory of one folder per
class (files written here), Keras' IMDB decoding and its offline error, and the checks
and preparation of raw strings."""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes.data import load, load_raw
from dlrecipes.data.checks import check_raw
from dlrecipes.data.errors import DataUnavailableError
from dlrecipes.data.splits import RawData
from dlrecipes.data.text import STDLIB_DOCS_PACKAGES, imdb_texts, package_docstrings
from dlrecipes.recipe import DataSpec
from tests.data.test_online import offline  # noqa: F401  (the no-network fixture)


def test_stdlib_docs_is_deterministic_real_text_labelled_by_package():
    raw = load_raw("stdlib_docs")
    again = load_raw("stdlib_docs")
    assert raw.kind == "text" and raw.class_names == STDLIB_DOCS_PACKAGES
    assert raw.x.dtype == object and raw.x.ndim == 1 and len(raw.x) > 1000
    assert list(raw.x) == list(again.x) and np.array_equal(raw.y, again.y)
    counts = np.bincount(raw.y, minlength=len(STDLIB_DOCS_PACKAGES))
    assert counts.min() >= 50, counts  # every package contributes documents
    assert all(len(text.split()) >= 5 for text in raw.x)
    # the documents are the packages' real docstrings
    import asyncio

    asyncio_docs = set(raw.x[raw.y == STDLIB_DOCS_PACKAGES.index("asyncio")])
    assert asyncio.gather.__doc__.strip().splitlines()[0] in "\n".join(asyncio_docs)


def test_stdlib_docs_options_and_errors():
    raw = load_raw("stdlib_docs", {"packages": ["json", "email"], "min_words": 20})
    assert raw.class_names == ("json", "email")
    assert all(len(text.split()) >= 20 for text in raw.x)
    assert len(raw.x) == len(package_docstrings("json", 20)) + len(package_docstrings("email", 20))
    with pytest.raises(DataUnavailableError, match="'nosuchpackage' is not a package"):
        load_raw("stdlib_docs", {"packages": ["json", "nosuchpackage"]})
    with pytest.raises(DataUnavailableError, match="at least 2 different packages"):
        load_raw("stdlib_docs", {"packages": ["json"]})
    with pytest.raises(DataUnavailableError, match="unknown option 'lenght'"):
        load_raw("stdlib_docs", {"lenght": 3})


def _write_class_folders(root, texts_by_class):
    for name, texts in texts_by_class.items():
        folder = root / name
        folder.mkdir(parents=True)
        for index, text in enumerate(texts):
            (folder / f"{index}.txt").write_text(text, encoding="utf-8")


def test_text_dir_reads_one_folder_per_class(tmp_path):
    _write_class_folders(
        tmp_path / "mail",
        {
            "spam": ["win money now", "cheap pills", "you won a prize"],
            "ham": ["meeting at ten", "see you at lunch — café"],
        },
    )
    (tmp_path / "mail" / "ham" / "notes.md").write_text("not a .txt file")
    raw = load_raw(f"text_dir:{tmp_path / 'mail'}")
    assert raw.kind == "text" and raw.class_names == ("ham", "spam")  # sorted, as Keras does
    assert raw.x_test is None
    by_class = {name: sorted(raw.x[raw.y == i]) for i, name in enumerate(raw.class_names)}
    assert by_class == {
        "ham": ["meeting at ten", "see you at lunch — café"],
        "spam": ["cheap pills", "win money now", "you won a prize"],
    }


def test_text_dir_with_train_and_test_folders_keeps_the_test_split(tmp_path):
    _write_class_folders(tmp_path / "train", {"neg": ["bad", "awful"], "pos": ["good", "great"]})
    _write_class_folders(tmp_path / "test", {"neg": ["poor"], "pos": ["fine"]})
    raw = load_raw(f"text_dir:{tmp_path}")
    assert sorted(raw.x) == ["awful", "bad", "good", "great"]
    assert dict(zip(raw.x_test, raw.y_test)) == {"poor": 0, "fine": 1}
    splits = load(DataSpec(source=f"text_dir:{tmp_path}", val_fraction=0.0))
    assert splits.input_shape == () and splits.num_classes == 2
    assert list(splits.x_test) == list(raw.x_test) and splits.x_train.dtype == object


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: None, "no such directory"),
        (lambda root: root.mkdir(), "is not one folder of .txt files per class"),
    ],
)
def test_text_dir_errors_are_one_line(tmp_path, make, message):
    make(tmp_path / "texts")
    with pytest.raises(DataUnavailableError, match=message) as error:
        load_raw(f"text_dir:{tmp_path / 'texts'}")
    assert "\n" not in str(error.value)


def test_imdb_word_ids_decode_to_text():
    word_index = {"the": 1, "movie": 2, "was": 3, "great": 4}  # rank r is id r + 3
    sequences = [[1, 4, 5, 6, 7], [1, 4, 2, 7]]  # 1 starts a review, 2 is out of vocabulary
    assert imdb_texts(sequences, word_index) == ["the movie was great", "the great"]


def test_keras_imdb_offline_is_one_clear_line(offline):  # noqa: F811
    with pytest.raises(DataUnavailableError) as error:
        load_raw("keras:imdb")
    message = str(error.value)
    assert "could not download keras:imdb (offline?)" in message
    assert "stdlib_docs" in message and "text_dir:DIR" in message and "\n" not in message


def test_text_splits_are_stratified_strings_that_preparation_leaves_alone():
    splits = load(DataSpec(source="stdlib_docs"), seed=0)
    assert splits.x_train.dtype == object and splits.input_shape == ()
    assert splits.num_classes == 6 and splits.class_names == STDLIB_DOCS_PACKAGES
    total = len(splits.x_train) + len(splits.x_val) + len(splits.x_test)
    assert total == len(load_raw("stdlib_docs").x)
    assert isinstance(splits.x_test[0], str)


def test_text_data_that_is_not_strings_is_refused():
    raw = RawData(x=np.array([1.0, 2.0]), y=np.array([0, 1]), kind="text")
    with pytest.raises(DataUnavailableError, match="expected one string per example"):
        check_raw(raw, "unit")
