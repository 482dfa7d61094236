"""``python -m recipes export``: smoke runs in every format, parity, and bad input.

The command prints the artifact, its size and the largest difference from the Keras
model on the run's test examples (observations for DQN); a failed parity exits 1, a
user's mistake exits 2 with one ``error:`` line and writes nothing.
"""

from __future__ import annotations

import json
import shutil
import sys

import keras
import numpy as np
import pytest

from dlrecipes import registry
from dlrecipes.cli import main
from dlrecipes.export import ParityError, export, from_keras
from dlrecipes.spec import RecipeError, recipe_to_toml, resolve
from tests.export.conftest import require_runtime


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    return err[0]


@pytest.mark.parametrize("format", ["saved_model", "onnx", "litert"])
def test_lenet5_exports_in_every_format(smoke_runs, format, tmp_path, capsys):
    require_runtime({"onnx": "onnxruntime", "litert": "ai_edge_litert"}.get(format, "tensorflow"))
    run_dir = smoke_runs("lenet5")  # faithful: C3 connection table, S2/S4, RBF output
    capsys.readouterr()  # what the run printed
    assert main(["export", str(run_dir), "--format", format, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    name = {"saved_model": "saved_model", "onnx": "model.onnx", "litert": "model.tflite"}[format]
    artifact = tmp_path / name
    assert artifact.exists()
    assert f"{format}: {artifact} (" in out
    assert "parity ok on" in out and "test examples of 'digits'" in out
    assert "max |difference|" in out
    # sample expansion runs in the input pipeline: the saved model has nothing to strip
    assert "removed training-only layers" not in out
    described = json.loads((tmp_path / f"{name}.json").read_text())
    assert described["parity"]["passed"] is True
    assert described["parity"]["max_abs_diff"] < 1e-3
    assert described["parity"]["agreement"] == 1.0  # the same argmin class on every example
    assert described["signature"]["inputs"] == [
        {"name": "inputs", "shape": [None, 32, 32, 1], "dtype": "float32"}
    ]
    assert described["signature"]["outputs"][0]["shape"] == [None, 10]


def test_default_out_is_the_run_directory_and_json(smoke_runs, capsys):
    run_dir = smoke_runs("mlp")
    capsys.readouterr()  # what the run printed
    assert main(["export", str(run_dir), "--format", "saved_model", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["path"] == str(run_dir / "export" / "saved_model")
    assert (run_dir / "export" / "saved_model" / "saved_model.pb").is_file()
    assert result["size_bytes"] > 0 and result["kind"] == "supervised"
    assert result["parity"]["max_abs_diff"] == 0.0  # TensorFlow runs the same graph
    # exported again: the artifact is replaced, not refused
    assert main(["export", str(run_dir), "--format", "saved_model"]) == 0


def test_dqn_policy_network_exports(smoke_runs, tmp_path, capsys):
    require_runtime("onnxruntime")
    run_dir = smoke_runs("dqn_cartpole")
    result = export(run_dir, "onnx", tmp_path / "policy.onnx")
    assert result.kind == "policy"
    assert result.signature["inputs"] == [
        {"name": "observation", "shape": [None, 4], "dtype": "float32"}
    ]
    assert result.signature["outputs"] == [
        {"name": "q_values", "shape": [None, 2], "dtype": "float32"}
    ]
    assert "observations of CartPole-v1" in result.examples_from
    assert result.parity.passed and result.parity.agreement == 1.0


def test_char_lstm_exports_its_stepping_model(smoke_runs, tmp_path):
    require_runtime("onnxruntime")
    run_dir = smoke_runs("char_lstm")
    result = export(run_dir, "onnx", tmp_path / "stepping.onnx")
    assert result.kind == "stepping"
    names = [t["name"] for t in result.signature["inputs"]]
    assert names == ["ids", "state_0", "state_1"]  # an LSTM carries h and c
    assert result.signature["inputs"][0]["shape"] == [None, None]  # any number of characters
    assert [t["name"] for t in result.signature["outputs"]] == [
        "probabilities",
        "new_state_0",
        "new_state_1",
    ]
    assert "prompt from zero states" in result.examples_from
    assert result.parity.passed and result.parity.max_abs_diff < 1e-4


def test_failed_parity_exits_1_and_keeps_the_artifact(smoke_runs, tmp_path, capsys):
    require_runtime("ai_edge_litert")
    run_dir = smoke_runs("lenet5")
    capsys.readouterr()  # what the run printed
    args = ["export", str(run_dir), "--format", "litert", "--out", str(tmp_path)]
    assert main([*args, "--atol", "0", "--rtol", "0"]) == 1  # LiteRT's kernels round differently
    captured = capsys.readouterr()
    assert "parity FAILED" in captured.out
    assert captured.err.startswith("error: parity failed for litert export")
    assert (tmp_path / "model.tflite").is_file()
    with pytest.raises(ParityError) as raised:
        export(run_dir, "litert", tmp_path, atol=0.0, rtol=0.0)
    assert raised.value.result.parity.max_abs_diff > 0


def _recipe_only_run(tmp_path, name: str):
    run_dir = tmp_path / name
    run_dir.mkdir()
    (run_dir / "recipe.toml").write_text(
        recipe_to_toml(resolve(registry.get(name), profile="smoke"))
    )
    return run_dir


def test_bad_input_is_one_line_and_exit_2(smoke_runs, tmp_path, capsys, monkeypatch):
    run_dir = smoke_runs("mlp")
    capsys.readouterr()  # what the run printed
    cases = [
        (["export", str(tmp_path / "nowhere"), "--format", "onnx"], "expects a run directory"),
        (["export", str(_recipe_only_run(tmp_path, "mlp")), "--format", "onnx"], "no saved model"),
        (
            [
                "export",
                str(_recipe_only_run(tmp_path, "q_learning_frozenlake")),
                "--format",
                "onnx",
            ],
            "a tabular Q-learning run has none: its policy is the table",
        ),
        (["export", str(run_dir), "--format", "pytorch"], "unknown export format 'pytorch'"),
        (
            ["export", str(run_dir), "--format", "onnx", "--out", str(tmp_path / "m.tflite")],
            "writes a .onnx file",
        ),
    ]
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cases.append(
        (
            ["export", str(run_dir), "--format", "onnx", "--out", str(blocker / "m.onnx")],
            "cannot write the export to",
        )
    )
    for args, message in cases:
        assert main(args) == 2, args
        assert message in _error_line(capsys)
    assert not (tmp_path / "mlp" / "export").exists()  # nothing written for a refused run
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # as on a machine without the extra
    assert main(["export", str(run_dir), "--format", "onnx", "--out", str(tmp_path)]) == 2
    line = _error_line(capsys)
    assert "needs the 'export' extra (missing: tf2onnx)" in line
    assert "pip install 'dlrecipes[export]'" in line


def test_export_of_a_copied_run_directory(smoke_runs, tmp_path):
    """A run directory moved elsewhere exports the same (nothing depends on its path)."""
    copy = tmp_path / "copied"
    shutil.copytree(smoke_runs("mlp"), copy)
    result = export(copy, "saved_model")
    assert result.path == str(copy / "export" / "saved_model")


def test_a_mixed_precision_model_is_refused_with_the_layer_named():
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(2, dtype="mixed_float16", name="half")(inputs)
    model = keras.Model(inputs, outputs)
    with pytest.raises(RecipeError, match="computes in float16 \\(layer 'half'"):
        from_keras(model, np.zeros((4, 3), "float32"))
