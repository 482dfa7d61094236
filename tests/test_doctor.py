"""``python -m recipes doctor``: one line per check, a fix under each failure, exit 1
on any failure, ``--json`` for scripts; fast and offline."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest

from dlrecipes import doctor, registry
from dlrecipes.cli import main

EXPECTED = {
    "python",
    "keras",
    "tensorflow",
    "dependencies",
    "backend",
    "devices",
    "xla: determinism",
    "xla: augmentation",
    "xla: cuDNN",
    "tensorboard",
    "environments",
    "data files",
    "online data",
    "extras",
    "disk",
}


@pytest.fixture(scope="module")
def checks_and_seconds():
    started = time.perf_counter()
    checks = doctor.run_checks()
    return checks, time.perf_counter() - started


def test_every_check_reports_one_line_and_failures_say_how_to_fix(checks_and_seconds):
    checks, seconds = checks_and_seconds
    assert seconds < 60  # ~8 s on 2 busy cores: no training, no download
    assert EXPECTED <= {c.name for c in checks}
    for check in checks:
        assert check.status in (doctor.OK, doctor.NOTE, doctor.FAIL)
        assert check.detail and "\n" not in check.detail
        assert bool(check.fix) == (check.status == doctor.FAIL), check
    devices = next(c for c in checks if c.name == "devices")
    assert "CPU:0 (XLA ok" in devices.detail  # XLA compiled a function on the CPU
    text = doctor.report(checks)
    assert text.splitlines()[-1].endswith(f"{sum(c.status == 'fail' for c in checks)} failed")


def test_cli_text_and_json_agree_with_the_exit_status(capsys, checks_and_seconds):
    checks, _ = checks_and_seconds
    status = main(["doctor", "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert status == (1 if any(c["status"] == "fail" for c in listed) else 0)
    assert [c["name"] for c in listed] == [c.name for c in checks]
    assert main(["doctor"]) == status
    out = capsys.readouterr().out
    assert out.startswith("dlrecipes doctor: ")
    assert "xla: determinism" in out


def test_determinism_flag_that_turns_xla_off_is_a_failure(monkeypatch):
    monkeypatch.setenv("TF_DETERMINISTIC_OPS", "1")
    (check, *_) = doctor.check_xla(registry.all_recipes())
    assert check.status == doctor.FAIL
    assert "Keras turns XLA off for every model" in check.detail
    assert "unset TF_DETERMINISTIC_OPS" in check.fix


def test_missing_data_files_name_the_source_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # ../shared/data is not beside this directory
    (check,) = doctor.check_data_files(registry.all_recipes())
    assert check.status == doctor.FAIL
    assert "mnist_idx:../shared/data/mnist-8k for" in check.detail
    assert "lenet5 (mnist8k)" in check.detail or "..." in check.detail
    assert "--set data.source=" in check.fix


def test_version_below_the_floor_and_absent_packages_fail_with_the_install_line():
    low = doctor._version_check("numpy>=99", "pyproject.toml")
    assert low.status == doctor.FAIL and "does not satisfy >=99" in low.detail
    assert low.fix == "pip install -U 'numpy>=99'"
    absent = doctor._version_check("no-such-package-dlrecipes>=1", "pyproject.toml")
    assert absent.status == doctor.FAIL and absent.fix.startswith("pip install ")
    optional = doctor._version_check("no-such-package-dlrecipes>=1", "x", optional=True)
    assert optional.status == doctor.NOTE


def test_unknown_backend_environment_and_full_disk_fail(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_BACKEND", "theano")
    (backend,) = doctor.check_backend()
    assert backend.status == doctor.FAIL and "KERAS_BACKEND=tensorflow" in backend.fix
    cartpole = registry.get("dqn_cartpole")
    moved = dataclasses.replace(
        cartpole, agent=dataclasses.replace(cartpole.agent, env_id="NoSuchEnv-v0")
    )
    (environments,) = doctor.check_environments([moved])
    assert (
        environments.status == doctor.FAIL and "NoSuchEnv-v0 (dqn_cartpole)" in environments.detail
    )
    monkeypatch.setattr(doctor, "MIN_FREE_BYTES", 10**18)  # more than any disk has
    (disk,) = doctor.check_disk(tmp_path / "runs")
    assert disk.status == doctor.FAIL and str(tmp_path) in disk.detail
