"""The whole stack for fault injection, as `aduan run` starts it, with its own data dir."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from aduan import devstack
from tests.e2e.conftest import SECRET_KEY, Stack, staff_token

POLICY = Path(__file__).parent / "policy.yaml"
ACK_WAIT_S = 10
SERVERS = {"postgres": "postgres", "nats": "nats-server", "temporal": "temporal"}


@dataclass
class FaultStack:
    """The running stack and the means to hurt it: find, kill and await its processes."""

    stack: Stack
    ports: dict[str, int]

    @property
    def intake_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['INTAKE_PORT']}"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports['PG_PORT']}/aduan"

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.ports['NATS_PORT']}"

    @property
    def temporal_target(self) -> str:
        return f"127.0.0.1:{self.ports['TEMPORAL_PORT']}"

    @property
    def mail_root(self) -> Path:
        return self.stack.data / "mail"

    def child(self, name: str) -> psutil.Process | None:
        """The supervised process `name` (an Aduan process or a server), if it runs now."""
        assert self.stack.process is not None
        for process in psutil.Process(self.stack.process.pid).children():
            try:
                argv = process.cmdline()
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
            if name in SERVERS and argv and Path(argv[0]).name == SERVERS[name]:
                return process
            if argv[-2:] == ["serve", name] and process.status() != psutil.STATUS_ZOMBIE:
                return process
        return None

    def pid(self, name: str) -> int:
        """The pid of `name`, which must be running."""
        process = self.child(name)
        assert process is not None, f"{name} is not running"
        return int(process.pid)

    def kill(self, name: str) -> int:
        """kill -9 the process `name`; returns the pid it had."""
        process = self.child(name)
        assert process is not None, f"{name} is not running"
        process.kill()
        process.wait(10)
        return int(process.pid)

    def mail_count(self) -> int:
        """How many mails the sink holds, all mailboxes together."""
        root = self.mail_root
        if not root.exists():
            return 0
        return sum(1 for box in os.scandir(root) if box.is_dir()
                   for f in os.scandir(box.path) if f.name.endswith(".eml"))

    def wait_for_new_mail(self, timeout: float = 30) -> None:
        """Return the moment a new mail lands in the sink (busy-polling, to be quick)."""
        before, deadline = self.mail_count(), time.monotonic() + timeout
        while self.mail_count() == before:
            assert time.monotonic() < deadline, "no mail arrived"

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 60) -> int:
        """Block until the supervisor has started `name` again; returns the new pid."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.child(name)
            if process is not None and process.pid != old_pid:
                return int(process.pid)
            time.sleep(0.1)
        raise AssertionError(f"{name} was not restarted within {timeout:.0f}s")


@pytest.fixture(scope="package")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    data = tmp_path_factory.mktemp("fault-stack")
    ports = {name: devstack.free_port() for name in
             ("PG_PORT", "NATS_PORT", "TEMPORAL_PORT", "TEMPORAL_UI_PORT", "INTAKE_PORT",
              "DESK_PORT", "SMTP_PORT", "SMTP_INBOUND_PORT")}
    env = {**os.environ, **{f"ADUAN_{k}": str(v) for k, v in ports.items()},
           "ADUAN_DATA_DIR": str(data), "ADUAN_SLA_POLICY": str(POLICY),
           "ADUAN_SECRET_KEY": SECRET_KEY, "ADUAN_LOG_FORMAT": "json",
           # Events a killed consumer held come back after 10 s instead of a minute.
           "ADUAN_CONSUMER_ACK_WAIT_S": str(ACK_WAIT_S)}
    env.pop("ADUAN_OMBUDSMAN_URL", None)
    with httpx.Client(base_url=f"http://127.0.0.1:{ports['INTAKE_PORT']}") as intake, \
            httpx.Client(base_url=f"http://127.0.0.1:{ports['DESK_PORT']}",
                         headers={"Authorization": f"Bearer {staff_token()}"}) as desk:
        running = Stack(env, data, intake, desk)
        try:
            running.start()
            yield FaultStack(running, ports)
        except BaseException:
            sys.stderr.write(running.log.read_text(errors="replace")[-20000:])
            raise
        finally:
            running.stop()
