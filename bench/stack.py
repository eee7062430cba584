"""The whole Aduan stack as `aduan run` starts it, on free ports, for one bench run."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from aduan import devstack

REPO = Path(__file__).resolve().parent.parent
POLICY = Path(__file__).resolve().parent / "policy.yaml"
_PORTS = ("PG_PORT", "NATS_PORT", "TEMPORAL_PORT", "TEMPORAL_UI_PORT", "INTAKE_PORT",
          "DESK_PORT", "SMTP_PORT")


@dataclass
class BenchStack:
    """`python -m aduan run` with the bench's policy, a temporary data dir and free ports."""

    data: Path
    env: dict[str, str]
    ports: dict[str, int]
    process: subprocess.Popen[bytes] | None = None
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    @classmethod
    def create(cls, log_level: str = "INFO") -> BenchStack:
        """Choose ports and a data dir; nothing starts yet."""
        data = Path(tempfile.mkdtemp(prefix="aduan-bench-"))
        ports = {name: devstack.free_port() for name in _PORTS}
        env = {**{f"ADUAN_{k}": str(v) for k, v in ports.items()},
               "ADUAN_DATA_DIR": str(data), "ADUAN_SLA_POLICY": str(POLICY),
               "ADUAN_SECRET_KEY": secrets.token_hex(32),
               "ADUAN_STAFF_TOKEN": f"bench-{secrets.token_hex(16)}",
               "ADUAN_LOG_FORMAT": "json", "ADUAN_LOG_LEVEL": log_level}
        return cls(data, env, ports)

    @property
    def log(self) -> Path:
        """Everything the stack printed."""
        return self.data / "stack.log"

    @property
    def intake_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['INTAKE_PORT']}"

    @property
    def desk_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['DESK_PORT']}"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports['PG_PORT']}/aduan"

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.ports['NATS_PORT']}"

    @property
    def temporal_target(self) -> str:
        return f"127.0.0.1:{self.ports['TEMPORAL_PORT']}"

    def start(self, timeout: float = 180) -> None:
        """Start `aduan run` (its own session, tied to our life) and wait until it answers."""
        self.process = devstack.spawn([sys.executable, "-m", "aduan", "run"], log=self.log,
                                      env=self.env)
        for name in ("INTAKE_PORT", "DESK_PORT"):
            devstack.wait_for_port(self.ports[name], timeout, self.process, "aduan run")
        deadline = time.monotonic() + timeout
        for url in (self.intake_url, self.desk_url):
            while httpx.get(f"{url}/readyz", timeout=5).status_code != 200:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url}/readyz did not answer 200")
                time.sleep(0.5)
        self.remember_children()

    def remember_children(self) -> None:
        """Note every process the stack runs now, so `stop` can check they all ended."""
        if self.process is None:
            return
        try:
            for child in psutil.Process(self.process.pid).children(recursive=True):
                self.seen.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            pass

    def stop(self, timeout: float = 120) -> list[str]:
        """Ctrl-C, as a user would; returns what had to be killed (nothing, normally)."""
        leftovers: list[str] = []
        if self.process is None:
            return leftovers
        self.remember_children()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                leftovers.append(f"aduan run (pid {self.process.pid})")
                self.process.kill()
                self.process.wait()
        _, alive = psutil.wait_procs(list(self.seen.values()), timeout=15)
        for process in alive:  # only processes this stack started, by pid
            leftovers.append(f"{process.name()} (pid {process.pid})")
            process.kill()
        return leftovers

    def remove_data(self) -> None:
        """Delete the temporary data dir (PostgreSQL's files may belong to another user)."""
        shutil.rmtree(self.data, ignore_errors=True)

    def log_tail(self, chars: int = 6000) -> str:
        """The end of the stack's log, for a failure report."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def env_for_cli(stack: BenchStack) -> dict[str, str]:
    """The environment an `aduan` command needs to talk to this stack."""
    return {**os.environ, **stack.env}
