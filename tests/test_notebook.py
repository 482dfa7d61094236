"""The lecture notebooks run top to bottom, and the stored ones carry their class-setting outputs.

Each notebook is executed with nbclient in the smoke setting (``DLRECIPES_NOTEBOOK_SMOKE=1``:
every run uses its recipe's ``smoke`` profile), its runs written to a temporary directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dlrecipes import notebook
from dlrecipes.spec import RecipeError
from tests.conftest import REPO_ROOT

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = [
    "01_three_steps.ipynb",
    "02_training_techniques.ipynb",
    "03_cnn_lenet5.ipynb",
    "04_rnn_lstm_gru.ipynb",
    "05_reinforcement_learning.ipynb",
    "06_hyperparameter_search.ipynb",
]
CELL_TIMEOUT_S = 300
MAX_STORED_BYTES = 1_500_000


def _ids(paths):
    return [path.stem for path in paths]


def test_the_six_lecture_notebooks_are_there():
    assert [path.name for path in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_the_smoke_setting(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv(notebook.SMOKE_ENV, "1")
    monkeypatch.setenv(notebook.OUT_ENV, str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    document = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        document,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    first = document.cells[[c.cell_type for c in document.cells].index("code")]
    assert "smoke setting" in _text(first)
    assert _images(document) > 0
    assert list(tmp_path.iterdir()), "the notebook wrote no runs under DLRECIPES_NOTEBOOK_OUT"


def _text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        else:
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def _images(document) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for cell in document.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_notebook_is_executed_at_the_class_setting(path):
    nbformat = pytest.importorskip("nbformat")
    document = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in document.cells if cell.cell_type == "code"]
    assert code_cells
    unexecuted = [i for i, cell in enumerate(code_cells) if not cell.get("execution_count")]
    assert not unexecuted, f"{path.name}: code cells {unexecuted} were not executed; store it run"
    errors = [
        output.get("ename")
        for cell in code_cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, f"{path.name} was stored with errors: {errors}"
    assert _images(document) > 0, f"{path.name} has no image/png output"
    assert "class setting" in _text(code_cells[0]), f"{path.name} was not stored at class setting"
    assert path.stat().st_size < MAX_STORED_BYTES, f"{path.name}: {path.stat().st_size:,} bytes"


def test_first_code_cell_reads_the_setting_through_the_library():
    nbformat = pytest.importorskip("nbformat")
    for path in NOTEBOOKS:
        document = nbformat.read(path, as_version=4)
        first = next(cell for cell in document.cells if cell.cell_type == "code")
        assert "Notebook(" in first.source, path.name


# ----------------------------------------------------------------------------- the helper


@pytest.mark.parametrize(
    "value, smoke", [("1", True), ("true", True), (" YES ", True), ("0", False), ("", False)]
)
def test_smoke_mode_reads_the_environment_variable(value, smoke):
    assert notebook.smoke_mode({notebook.SMOKE_ENV: value}) is smoke
    assert notebook.smoke_mode({}) is False


def test_smoke_mode_rejects_other_values_with_the_value():
    with pytest.raises(ValueError, match="Received: DLRECIPES_NOTEBOOK_SMOKE='maybe'"):
        notebook.smoke_mode({notebook.SMOKE_ENV: "maybe"})


def test_default_out_is_under_runs_or_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT / "notebooks")
    assert notebook.default_out("nb", {}) == Path("../runs/notebooks/nb")  # no absolute path
    monkeypatch.chdir(REPO_ROOT)
    assert notebook.default_out("nb", {}) == Path("runs/notebooks/nb")
    assert notebook.default_out("nb", {notebook.OUT_ENV: str(tmp_path)}) == tmp_path / "nb"


def test_lighter_overrides_apply_in_the_class_setting_only(tmp_path):
    class_nb = notebook.Notebook("nb", smoke=False, out=tmp_path)
    smoke_nb = notebook.Notebook("nb", smoke=True, out=tmp_path)
    lighter, overrides = {"train.epochs": 5}, ["model.options.units=8"]
    class_args = class_nb._arguments(overrides, lighter, {"seed": 3})
    smoke_args = smoke_nb._arguments(overrides, lighter, {})
    assert class_args["profile"] is None and smoke_args["profile"] == "smoke"
    assert class_args["overrides"] == {
        "train.epochs": 5,
        "model.options.units": 8,
        "train.verbose": "0",
    }
    assert smoke_args["overrides"] == {"model.options.units": 8, "train.verbose": "0"}
    assert class_args["seed"] == 3 and class_args["out"] == tmp_path
    assert "class setting" in repr(class_nb) and "smoke setting" in repr(smoke_nb)
    # A named profile is the class setting's choice; the smoke setting keeps "smoke".
    assert class_nb._arguments(None, None, {"profile": "mnist8k"})["profile"] == "mnist8k"
    assert smoke_nb._arguments(None, None, {"profile": "mnist8k"})["profile"] == "smoke"
    with pytest.raises(ValueError, match="Received: smoke=True"):
        class_nb._arguments(None, None, {"smoke": True})


def test_a_notebook_works_from_the_repository_root_like_the_cli(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT / "notebooks")
    nb = notebook.Notebook("nb", smoke=True)
    assert Path.cwd() == REPO_ROOT
    assert nb.out == Path("runs/notebooks/nb")


def test_smoke_notebook_run_goes_through_the_recipe_smoke_profile(tmp_path):
    nb = notebook.Notebook("nb", smoke=True, out=tmp_path)
    result = nb.run("linear_regression", lighter={"train.epochs": 10_000})
    assert result.recipe.train.epochs == 50  # the smoke profile's, not the lighter override
    assert result.run_dir.is_relative_to(tmp_path)
    assert (result.run_dir / "plots" / "linear_regression.png").is_file()


def test_changed_settings_lists_what_a_run_changes_from_the_defaults():
    from dlrecipes.runs import prepare_recipe

    lighter = prepare_recipe("rnn_vs_lstm_vs_gru", overrides={"data.options.length": 50})
    assert notebook.changed_settings(lighter) == ["data.options.length"]
    quiet = prepare_recipe("mlp", overrides={"train.verbose": "0"}, seed=3)
    assert notebook.changed_settings(quiet) == []


def test_report_notes_changed_settings_unless_the_expectation_was_restated(capsys):
    from types import SimpleNamespace

    from dlrecipes.runs import prepare_recipe

    def report(recipe):
        metrics = {
            "expect": {"metric": "mse", "threshold": 0.01, "value": 0.001, "applies": True},
            "test": {"mse": 0.001},
        }
        nb = notebook.Notebook("nb", smoke=False, chdir=False)
        nb.report(SimpleNamespace(recipe=recipe, metrics=metrics, run_dir=Path("runs/x")), "mse")
        return capsys.readouterr().out

    lighter = report(prepare_recipe("lstm_adding", overrides={"train.epochs": 2}))
    assert "note: this run changes train.epochs" in lighter and "mse = 0.001" in lighter
    restated = report(prepare_recipe("char_lstm", profile="shakespeare"))
    assert "note:" not in restated


def test_a_string_override_without_equals_is_the_same_one_line_error_as_the_cli():
    nb = notebook.Notebook("nb", smoke=True, chdir=False)
    with pytest.raises(
        RecipeError, match=r"an override expects key=value. Received: 'train.epochs'"
    ):
        nb._arguments(["train.epochs"], None, {})
