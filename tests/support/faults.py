"""The whole stack for fault injection, and the means to hurt it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil

from aduan.config import comma_separated
from tests.support.stack import Stack

# Ordinary clocks stay quiet for an hour; class `kilat` misses its first response in 12 s.
FAULTS_POLICY = Path(__file__).parents[1] / "faults" / "policy.yaml"
ACK_WAIT_S = 10
INTAKE_WORKERS = 2
SERVERS = {"postgres": "postgres", "nats": "nats-server", "temporal": "temporal"}


class FaultStack(Stack):
    """The running stack and the means to hurt it: find, kill and await its processes."""

    @property
    def intake_url(self) -> str:
        return self.url("INTAKE_PORT")

    @property
    def nats_servers(self) -> list[str]:
        """The NATS servers its processes use: ADUAN_NATS_URL's when set, else its own."""
        return comma_separated(self.env.get("ADUAN_NATS_URL", "")) or [self.nats_url]

    @property
    def mail_root(self) -> Path:
        return self.data / "mail"

    def child(self, name: str) -> psutil.Process | None:
        """The supervised process `name` (an Aduan process or a server), if it runs now."""
        assert self.process is not None
        for process in psutil.Process(self.process.pid).children():
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
        return sum(
            1
            for box in os.scandir(root)
            if box.is_dir()
            for f in os.scandir(box.path)
            if f.name.endswith(".eml")
        )

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
            time.sleep(0.1)  # the poll interval
        raise AssertionError(f"{name} was not restarted within {timeout:.0f}s")
