"""`aduan run`: the embedded servers plus every Aduan process, supervised, on one machine."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from aduan import processes
from aduan.adapters import temporal
from aduan.config import Settings
from aduan.processes import PROCESS_NAMES
from devtools import servers


@dataclass
class Child:
    """A supervised process and how to start it again."""

    name: str
    argv: list[str]
    log: Path | None = None
    user: str | None = None
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)

    def start(self, env: dict[str, str]) -> None:
        """Start (or restart) the process."""
        self.process = servers.spawn(self.argv, log=self.log, env=env, user=self.user)


class Stack:
    """Starts servers, prepares them, starts Aduan's processes, restarts what crashes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data = settings.data_dir.resolve()
        self.logs = self.data / "logs"
        self.env = {
            "ADUAN_DATA_DIR": str(self.data),
            "ADUAN_SLA_POLICY": str(Path(settings.sla_policy).resolve()),
            "ADUAN_ROUTING_RULES": str(Path(settings.routing_rules).resolve()),
        }
        self.children: list[Child] = []
        self.stopping = False
        self.first_admin: str | None = None  # the password of `admin`, made on the first start

    def start(self) -> None:
        """Everything, in dependency order; returns once intake and desk answer."""
        s = self.settings
        self.logs.mkdir(parents=True, exist_ok=True)
        pg_argv, pg_user = servers.postgres_command(self.data / "postgres", s.pg_port)
        self._launch(
            Child("postgres", pg_argv, self.logs / "postgres.log", pg_user, signal.SIGINT),
            s.pg_port,
        )
        self._launch(
            Child(
                "nats",
                servers.nats_command(self.data / "nats", s.nats_port),
                self.logs / "nats.log",
            ),
            s.nats_port,
        )
        argv = servers.temporal_command(
            self.data / "temporal.db",
            s.temporal_port,
            s.temporal_ui_port,
            # The UI shows payloads decrypted by the desk's codec endpoint (docs/privacy.md).
            [*temporal.dev_server_flags(), "--ui-codec-endpoint", s.codec_endpoint],
        )
        self._launch(Child("temporal", argv, self.logs / "temporal.log"), s.temporal_port)
        servers.wait_for_port(s.temporal_ui_port, 60, name="Temporal UI")
        self.first_admin = asyncio.run(processes.setup(s))
        for name in PROCESS_NAMES:
            child = Child(name, [sys.executable, "-m", "aduan", "serve", name])
            self._launch(child, None)
        # Ready means every door a user may knock on answers: the APIs and both SMTP ports.
        for port, name in (
            (s.intake_port, "intake"),
            (s.desk_port, "desk"),
            (s.smtp_inbound_port, "inbound mail"),
            (s.smtp_port, "mail sink"),
        ):
            servers.wait_for_port(port, 60, name=name)

    def _launch(self, child: Child, port: int | None) -> None:
        child.start(self.env)
        self.children.append(child)
        if port is not None:
            assert child.process is not None
            servers.wait_for_port(port, 60, child.process, child.name)

    def supervise(self) -> None:
        """Restart any child that dies, with a pause so a crash loop does not spin."""
        while not self.stopping:
            for child in self.children:
                assert child.process is not None
                if child.process.poll() is None or self.stopping:
                    continue
                now = time.monotonic()
                child.restarts = [t for t in child.restarts if now - t < 60] + [now]
                print(
                    f"aduan: {child.name} exited with code {child.process.returncode}; restarting",
                    file=sys.stderr,
                    flush=True,
                )
                time.sleep(min(len(child.restarts), 10))
                if not self.stopping:
                    child.start(self.env)
            time.sleep(0.5)

    def shutdown(self) -> None:
        """Stop Aduan's processes first, then the servers, newest first."""
        self.stopping = True
        for child in reversed(self.children):
            if child.process is not None:
                servers.stop(child.process, child.stop_signal, timeout=15)


def banner(settings: Settings, seconds: float, first_admin: str | None = None) -> str:
    """What `make run` prints once everything answers; the first admin's password only on
    the start that created the account."""
    h = settings.host
    admin = (
        f"  Desk sign-in                 user admin, password {first_admin}"
        " (shown this once: keep it, or aduan users set-password admin)\n"
        if first_admin
        else ""
    )
    return (
        f"\nAduan is running (ready in {seconds:.1f}s). Data in {settings.data_dir.resolve()}\n"
        f"  Citizen portal / intake API  http://{h}:{settings.intake_port}   "
        f"(API docs: http://{h}:{settings.intake_port}/docs)\n"
        f"  Staff desk                   http://{h}:{settings.desk_port}     "
        f"(API: /v1/staff, token: aduan token --user NAME --role admin)\n"
        f"{admin}"
        f"  Temporal UI                  {settings.temporal_ui_link}   "
        f"(payloads decrypted for ops and admins signed in to the desk)\n"
        f"  Outgoing mail                {settings.data_dir.resolve() / 'mail'}\n"
        f"  Inbound mail (SMTP)          {h}:{settings.smtp_inbound_port}\n"
        f"Press Ctrl-C to stop everything.\n"
    )


def run(settings: Settings) -> None:
    """Start the whole system and keep it up until Ctrl-C or SIGTERM."""
    began = time.monotonic()
    stack = Stack(settings)

    def stop(*_: object) -> None:
        stack.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        stack.start()
        print(banner(settings, time.monotonic() - began, stack.first_admin), flush=True)
        stack.supervise()
    finally:
        print("aduan: stopping...", file=sys.stderr, flush=True)
        stack.shutdown()
