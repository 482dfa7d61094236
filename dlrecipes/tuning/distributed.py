"""Distributed search with Keras Tuner's own chief / worker protocol.

One *chief* process holds the oracle (the search algorithm and its state) and
serves it over gRPC; any number of *workers* ask it for trials, train them and
report back. All of them must see the same search directory (a shared file
system across machines). Three environment variables select the role:

| variable                 | chief                       | worker                    |
|--------------------------|-----------------------------|---------------------------|
| ``KERASTUNER_TUNER_ID``  | ``chief``                   | unique: ``tuner0``, ...   |
| ``KERASTUNER_ORACLE_IP`` | address to listen on        | the chief's address       |
| ``KERASTUNER_ORACLE_PORT`` | port to listen on         | the chief's port          |

``--workers K`` starts a chief and K workers on this machine (loopback address,
a free port) as subprocesses of the same command, and waits for them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from dlrecipes.recipe import RecipeError

ENV_TUNER_ID = "KERASTUNER_TUNER_ID"
ENV_ORACLE_IP = "KERASTUNER_ORACLE_IP"
ENV_ORACLE_PORT = "KERASTUNER_ORACLE_PORT"
# Set in the children of ``--workers``: their parent prints the results, not the chief.
ENV_PARENT = "DLRECIPES_TUNING_PARENT"


def role() -> str:
    """``single`` (no chief), ``chief`` or ``worker``, from the environment variables."""
    if ENV_ORACLE_IP not in os.environ:
        return "single"
    missing = [name for name in (ENV_ORACLE_PORT, ENV_TUNER_ID) if not os.environ.get(name)]
    if missing:
        raise RecipeError(
            f"{ENV_ORACLE_IP} is set, so the search is distributed, but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not. Received: "
            + ", ".join(f"{k}={os.environ.get(k)!r}" for k in (ENV_TUNER_ID, ENV_ORACLE_PORT))
        )
    return "chief" if "chief" in os.environ[ENV_TUNER_ID] else "worker"


def tuner_id() -> str:
    """This process's Keras Tuner id (``tuner0`` when not distributed)."""
    return os.environ.get(ENV_TUNER_ID, "tuner0") if role() != "single" else "tuner0"


def spawned() -> bool:
    """Whether this process is a chief or worker started by ``--workers``."""
    return role() != "single" and ENV_PARENT in os.environ


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _command(recipe_file: Path, tuner: str, trials: int, out: Path) -> list[str]:
    # The public CLI on the recipe saved as TOML: exactly what one would type on
    # another machine, with the three environment variables set.
    return [
        sys.executable,
        "-c",
        "import sys; from dlrecipes.cli import main; sys.exit(main(sys.argv[1:]))",
        "tune",
        str(recipe_file),
        "--tuner",
        tuner,
        "--trials",
        str(trials),
        "--out",
        str(out),
    ]


def run_local(
    recipe_file: Path,
    *,
    tuner: str,
    trials: int,
    out: Path,
    workers: int,
    verbose: int = 1,
    poll_seconds: float = 0.5,
    chief_grace_seconds: float = 3.0,
) -> list[str]:
    """Run a chief and ``workers`` workers on this machine and wait for all trials.

    Args:
        recipe_file: the resolved recipe as TOML (in the search directory).
        tuner, trials, out: as for ``tune``.
        workers: the number of worker processes (>= 1).
        verbose: 0 silences the children's output.
        poll_seconds: how often the children are checked.
        chief_grace_seconds: how long the chief may take to exit by itself once the
            workers are done (Keras Tuner's chief polls every 20 s; it is stopped).

    Returns:
        The worker ids (``tuner0``, ...).

    Raises:
        RecipeError: a child exited with an error (the others are stopped).
    """
    import dlrecipes

    port = free_port()
    root = str(Path(dlrecipes.__file__).resolve().parents[1])
    base_env = dict(os.environ)
    base_env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [base_env.get("PYTHONPATH")])])
    base_env.update(
        {ENV_ORACLE_IP: "127.0.0.1", ENV_ORACLE_PORT: str(port), ENV_PARENT: str(os.getpid())}
    )
    command = _command(recipe_file, tuner, trials, out)
    output = None if verbose else subprocess.DEVNULL
    ids = [f"tuner{i}" for i in range(workers)]
    if verbose:
        print(
            f"distributed search: chief on 127.0.0.1:{port}, workers {', '.join(ids)}",
            flush=True,
        )
    children: dict[str, subprocess.Popen] = {}
    try:
        for name in ["chief", *ids]:
            children[name] = subprocess.Popen(
                command, env={**base_env, ENV_TUNER_ID: name}, stdout=output, stderr=output
            )
        _wait_for_workers(children, ids, poll_seconds)
        chief = children["chief"]
        deadline = time.monotonic() + chief_grace_seconds
        while chief.poll() is None and time.monotonic() < deadline:
            time.sleep(poll_seconds)
        if chief.poll() is None:
            chief.terminate()  # all trials are done: the chief only waits to poll again
            chief.wait(timeout=30)
        elif chief.returncode != 0:
            raise RecipeError(f"the chief exited with status {chief.returncode}")
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
    return ids


def _wait_for_workers(children: dict, ids: Sequence[str], poll_seconds: float) -> None:
    while True:
        running = 0
        for name in ["chief", *ids]:
            code = children[name].poll()
            if code is None:
                running += name != "chief"
            elif code != 0:
                what = "the chief" if name == "chief" else f"worker {name}"
                raise RecipeError(
                    f"{what} exited with status {code} before the search ended "
                    "(its output is above)"
                )
        if running == 0:
            return
        time.sleep(poll_seconds)


# --------------------------------------------------------------------------- optuna


def _optuna_command(recipe_file: Path, *, sampler, pruner, storage, heartbeat_seconds, trials, out):
    command = [
        sys.executable,
        "-c",
        "import sys; from dlrecipes.cli import main; sys.exit(main(sys.argv[1:]))",
        "tune",
        str(recipe_file),
        "--engine",
        "optuna",
        "--sampler",
        sampler,
        "--pruner",
        pruner,
        "--trials",
        str(trials),
        "--out",
        str(out),
        "--heartbeat",
        str(heartbeat_seconds),
    ]
    return command + (["--storage", storage] if storage else [])


def run_optuna_workers(
    recipe_file: Path,
    *,
    sampler: str,
    pruner: str,
    storage: str | None,
    heartbeat_seconds: int,
    trials: int,
    out: Path,
    workers: int,
    verbose: int = 1,
    poll_seconds: float = 0.5,
) -> list[int]:
    """Start ``workers`` Optuna workers on this machine and wait for all of them.

    There is no chief: each worker runs trials of the shared study until ``trials``
    have ended. A worker that dies (killed, out of memory) is reported and the
    others carry on; its trial is failed and rerun once by a survivor (journal: the
    dead process is seen; database: its heartbeat stops).

    Returns:
        The workers' exit statuses (0 for each worker that finished normally).
    """
    import dlrecipes
    from dlrecipes.tuning.optuna_engine import ENV_WORKER

    root = str(Path(dlrecipes.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    env[ENV_PARENT] = str(os.getpid())
    command = _optuna_command(
        recipe_file,
        sampler=sampler,
        pruner=pruner,
        storage=storage,
        heartbeat_seconds=heartbeat_seconds,
        trials=trials,
        out=out,
    )
    output = None if verbose else subprocess.DEVNULL
    if verbose:
        print(f"optuna study: {workers} workers, no chief", flush=True)
    children = []
    try:
        for index in range(workers):
            children.append(
                subprocess.Popen(
                    command, env={**env, ENV_WORKER: str(index)}, stdout=output, stderr=output
                )
            )
        reported = set()
        while any(child.poll() is None for child in children):
            for index, child in enumerate(children):
                code = child.poll()
                if code not in (None, 0) and index not in reported:
                    reported.add(index)
                    if verbose:
                        print(
                            f"worker{index} exited with status {code}; the others go on "
                            "(its trial is failed and rerun once)",
                            flush=True,
                        )
            time.sleep(poll_seconds)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
    return [child.returncode for child in children]
