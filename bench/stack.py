"""The whole Aduan stack as `aduan run` starts it, on free ports, for one bench run."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from aduan.store.ratelimit import Scope
from devtools.localstack import LocalStack

REPO = Path(__file__).resolve().parent.parent
POLICY = Path(__file__).resolve().parent / "policy.yaml"


@dataclass
class BenchStack(LocalStack):
    """`aduan run` with the bench's policy and a temporary data dir, and what it started."""

    seen: dict[int, psutil.Process] = field(default_factory=dict)

    @classmethod
    def for_bench(cls, log_level: str = "INFO") -> BenchStack:
        """Choose ports and a data dir; nothing starts yet."""
        data = Path(tempfile.mkdtemp(prefix="aduan-bench-"))
        # A burst from one load generator is the measurement, not an abuse: no rate limits.
        unlimited = {f"rate_{scope}": "" for scope in Scope}
        stack = LocalStack.create(
            data, POLICY, secret_key=secrets.token_hex(32), log_level=log_level, **unlimited
        )
        return cls(**vars(stack))

    @property
    def intake_url(self) -> str:
        return self.url("INTAKE_PORT")

    @property
    def desk_url(self) -> str:
        return self.url("DESK_PORT")

    def start(self, timeout: float = 180) -> None:
        """Start `aduan run` and wait until intake and desk are ready, not just listening."""
        super().start(timeout)
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

    def stop_and_check(self, timeout: float = 120) -> list[str]:
        """Ctrl-C, as a user would; returns what had to be killed (nothing, normally)."""
        leftovers: list[str] = []
        if self.process is None:
            return leftovers
        self.remember_children()
        try:
            self.stop(timeout)
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
