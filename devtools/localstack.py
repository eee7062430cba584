"""The whole system as `aduan run` starts it, on free ports with its own data folder.

End-to-end tests, fault-injection tests and benchmarks all drive the system this way, so
they exercise exactly what a user starts with `make run`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aduan.config import Settings
from devtools import servers
from devtools.mailsink import mailbox_dir

PORTS = (
    "PG_PORT",
    "NATS_PORT",
    "TEMPORAL_PORT",
    "TEMPORAL_UI_PORT",
    "INTAKE_PORT",
    "DESK_PORT",
    "SMTP_PORT",
    "SMTP_INBOUND_PORT",
)


@dataclass
class LocalStack:
    """`python -m aduan run` with the given policy and settings (ADUAN_* without prefix)."""

    data: Path
    env: dict[str, str]
    ports: dict[str, int]
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def create(cls, data: Path, sla_policy: Path, **settings: str) -> LocalStack:
        """Choose free ports; nothing starts yet. `settings` are e.g. secret_key="..."."""
        ports = {name: servers.free_port() for name in PORTS}
        env = {
            **os.environ,
            **{f"ADUAN_{name}": str(port) for name, port in ports.items()},
            "ADUAN_DATA_DIR": str(data),
            "ADUAN_SLA_POLICY": str(sla_policy),
            "ADUAN_LOG_FORMAT": "json",
            **{f"ADUAN_{name.upper()}": value for name, value in settings.items()},
        }
        return cls(data, env, ports)

    @property
    def log(self) -> Path:
        """Everything the stack printed."""
        return self.data / "stack.log"

    def url(self, port: str) -> str:
        """http://127.0.0.1:<port> for INTAKE_PORT, DESK_PORT..."""
        return f"http://127.0.0.1:{self.ports[port]}"

    @property
    def dsn(self) -> str:
        """The stack's PostgreSQL database."""
        return f"postgresql://postgres@127.0.0.1:{self.ports['PG_PORT']}/aduan"

    @property
    def nats_url(self) -> str:
        """The stack's NATS server."""
        return f"nats://127.0.0.1:{self.ports['NATS_PORT']}"

    @property
    def temporal_target(self) -> str:
        """The stack's Temporal frontend."""
        return f"127.0.0.1:{self.ports['TEMPORAL_PORT']}"

    def temporal_settings(self) -> Settings:
        """Settings that reach the stack's Temporal with its payload keys (the ones it was
        given, or the development key it made in its data folder)."""
        return Settings(
            data_dir=self.data,
            temporal_address=self.temporal_target,
            payload_keys=self.env.get("ADUAN_PAYLOAD_KEYS", ""),
        )

    def start(self, timeout: float = 120) -> None:
        """Start `aduan run` (tied to our life); return when it says everything answers."""
        self.process = servers.spawn(
            [sys.executable, "-m", "aduan", "run"], log=self.log, env=self.env
        )
        for port in ("INTAKE_PORT", "DESK_PORT", "SMTP_INBOUND_PORT", "SMTP_PORT"):
            servers.wait_for_port(self.ports[port], timeout, self.process, "aduan run")

    def stop(self, timeout: float = 90) -> None:
        """Ctrl-C, as a user would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout)

    def mailbox(self, address: str) -> list[EmailMessage]:
        """Every mail the sink holds for `address`, oldest first."""
        folder = mailbox_dir(self.data / "mail", address)
        files = sorted(folder.glob("*.eml")) if folder.exists() else []
        return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]

    def log_tail(self, chars: int = 20_000) -> str:
        """The end of the stack's output, for a failure report."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""
