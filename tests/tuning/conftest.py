"""A real PostgreSQL server for the Optuna storage tests (one per test session).

The system's PostgreSQL (``initdb``, ``pg_ctl`` from ``/usr/lib/postgresql/*/bin``
or the PATH) gets a throwaway data directory, listens only on a unix socket in
that directory (no TCP port), trusts local connections, and is stopped and
deleted after the session. ``initdb`` refuses to run as root, so as root the
server runs as the ``postgres`` user (``runuser``). Where no server can be had the
tests are skipped with the reason, except in CI (``CI=true``), where they fail:
``.ci/run`` installs PostgreSQL.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

USER = "dlrecipes"
DATABASE = "optuna"


def _binaries() -> Path | None:
    """The directory holding initdb, pg_ctl and createdb (Debian's versioned one first)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    for candidate in candidates:
        if all((Path(candidate) / name).is_file() for name in ("initdb", "pg_ctl", "createdb")):
            return Path(candidate)
    return None


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    pytest.skip(reason)


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class _Server:
    def __init__(self, binaries: Path, socket_dir: Path):
        self.binaries, self.socket_dir, self.databases = binaries, socket_dir, 0

    def new_database(self) -> str:
        """A new empty database; its ``postgresql://`` URL (unix socket)."""
        self.databases += 1
        name = f"{DATABASE}{self.databases}"
        created = subprocess.run(
            [str(self.binaries / "createdb"), "-h", str(self.socket_dir), "-U", USER, name],
            capture_output=True,
            text=True,
        )
        if created.returncode != 0:
            raise RuntimeError(f"createdb {name} failed: {created.stderr.strip()}")
        return f"postgresql://{USER}@/{name}?host={self.socket_dir}"


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server."""
    return postgres_server.new_database()


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server started for the test session (stopped and deleted after it)."""
    pytest.importorskip("optuna")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            _unavailable("no PostgreSQL driver: pip install 'dlrecipes[search]'")
    binaries = _binaries()
    if binaries is None:
        _unavailable("no PostgreSQL server binaries (initdb, pg_ctl); apt-get install postgresql")
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            _unavailable("running as root and runuser is missing (initdb refuses root)")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no postgres user (initdb refuses root)")
    # A short path: a unix socket path must fit in 107 bytes.
    root = Path(tempfile.mkdtemp(prefix="dlrecipes-pg-"))
    root.chmod(0o755)
    data = root / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    log = root / "server.log"
    log.touch()
    if os.geteuid() == 0:
        shutil.chown(log, "postgres", "postgres")

    def run(program: str, *arguments: str) -> subprocess.CompletedProcess:
        command = _as_server_user([str(binaries / program), *arguments])
        return subprocess.run(command, capture_output=True, text=True)

    done = run("initdb", "-D", str(data), "-A", "trust", "-U", USER, "--no-sync", "-E", "UTF8")
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"initdb failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    options = f"-k {data} -c listen_addresses='' -c fsync=off -c max_connections=50"
    done = run("pg_ctl", "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start")
    if done.returncode != 0:
        message = log.read_text().strip().splitlines()[-1:]
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"the PostgreSQL server did not start: {message}")
    try:
        yield _Server(binaries, data)
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
