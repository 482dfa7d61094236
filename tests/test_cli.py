"""The command line: list is instant and TensorFlow-free; bad input exits 2 in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from dlrecipes import registry
from dlrecipes.cli import main


def run_cli(*args, cwd=None, timeout=300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-m", "recipes", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def test_list_does_not_import_tensorflow_or_keras():
    code = (
        "import sys; from dlrecipes.cli import main; main(['list']); "
        "heavy = [m for m in ('tensorflow', 'keras', 'jax', 'sklearn') if m in sys.modules]; "
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
    for name in registry.names():
        assert name in out.stdout


def test_every_recipe_is_well_formed():
    for name in registry.names():
        recipe = registry.get(name)
        assert recipe.name == name
        assert "smoke" in recipe.profiles
        assert recipe.summary and recipe.lecture
        assert recipe.expect.metric, f"{name} states no expectation"


def test_list_json_and_list_data(capsys):
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"softmax_regression", "mlp", "xor_mlp"} <= {row["name"] for row in rows}
    assert main(["list-data"]) == 0
    assert "mnist_idx" in capsys.readouterr().out


def test_describe_prints_toml_summary_and_parameter_counts(capsys):
    assert main(["describe", "softmax_regression"]) == 0
    out = capsys.readouterr().out
    assert 'name = "softmax_regression"' in out and "[train]" in out
    assert "trainable parameters: 650" in out and "non-trainable parameters: 0" in out
    assert "compile path: XLA " in out and "step(s) per call (" in out  # chosen, with its reason


def test_describe_lenet5_prints_connections_per_layer_as_the_paper_counts(capsys):
    assert main(["describe", "lenet5"]) == 0
    out = capsys.readouterr().out
    assert "trainable parameters: 60,000" in out
    (c1,) = [line for line in out.splitlines() if line.startswith("C1 ")]
    assert c1.split()[-1] == "122,304"
    (total,) = [line for line in out.splitlines() if line.startswith("total")]
    assert total.split()[-1] == "340,908"


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "lenet"], "unknown recipe 'lenet'"),
        (
            ["run", "mlp", "--set", "train.epochs=abc"],
            "train.epochs expects an integer. Received: 'abc'",
        ),
        (["run", "mlp", "--set", "train.learnin_rate=0.1"], "Did you mean 'train.learning_rate'"),
        (
            ["run", "mlp", "--config", "missing.toml"],
            "config file not found. Received: 'missing.toml'",
        ),
        (["run", "mlp", "--set", "data.source=mnist_idx:no/such/dir"], "MNIST directory not found"),
        (["run", "missing_recipe.toml"], "recipe file not found"),
        (["evaluate", "no/such/run"], "expects a run directory"),
        (["run", "mlp", "--resume", "no/such/run"], "--resume expects a run directory"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, args, message):
    result = run_cli(*args, "--out", str(tmp_path / "runs")) if args[0] == "run" else run_cli(*args)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("metrics.json"))


@pytest.mark.parametrize("command", ["run", "describe", "compare", "tune"])
def test_a_set_without_equals_is_the_same_one_line_error_in_every_command(
    command, tmp_path, capsys
):
    """One override parser: ``--set train.epochs`` (no ``=``) never becomes ``''``."""
    args = [command, "optimizers", "--set", "train.epochs"]
    if command != "describe":
        args += ["--out", str(tmp_path)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --set expects key=value. Received: 'train.epochs'"]
    assert not any(tmp_path.rglob("*"))


def test_toml_syntax_error_and_offline_dataset_exit_2(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[train\n")
    result = run_cli("run", "mlp", "--config", str(broken), "--out", str(tmp_path / "runs"))
    assert result.returncode == 2 and "TOML syntax error" in result.stderr
    assert "Traceback" not in result.stderr
    offline = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('offline')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse\n"
        "import sys; from dlrecipes.cli import main\n"
        f"sys.exit(main(['run', 'mlp', '--smoke', '--set', 'data.source=keras:mnist', '--out', {str(tmp_path / 'runs')!r}]))\n"
    )
    env = {**os.environ, "KERAS_HOME": str(tmp_path / "keras_home"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", offline], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 2
    assert "could not download keras:mnist (offline?)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()


def test_run_smoke_from_the_command_line(tmp_path):
    started = time.perf_counter()
    result = run_cli("run", "softmax_regression", "--smoke", "--quiet", "--out", str(tmp_path))
    command_wall = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert "softmax_regression: test accuracy = " in result.stdout
    assert "steps/s" in result.stdout
    (run_dir,) = (tmp_path / "softmax_regression").iterdir()
    # the phases cover the command from the process's start: import is Keras' loading
    phases = json.loads((run_dir / "metrics.json").read_text())["phases_s"]
    keras_import = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); import keras; "
         "print(time.perf_counter() - t)"], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert phases["import"] > 0.5 * float(keras_import.stdout.split()[-1])
    assert 0.6 * command_wall < sum(phases.values()) <= command_wall
    evaluation = run_cli("evaluate", str(run_dir), "--json")
    assert evaluation.returncode == 0, evaluation.stderr
    payload = json.loads(evaluation.stdout)
    assert payload["examples"] == 256 and "accuracy" in payload["metrics"]
