"""The whole stack, started the way `make run` starts it, with a policy in seconds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from aduan import devstack
from aduan.auth import issue_token, make_staff
from aduan.mailsink import mailbox_dir

T = TypeVar("T")
POLICY = Path(__file__).parent / "policy.yaml"
SECRET_KEY = "e2e-secret-key-long-enough-for-hs256"
OPEN311_KEY = "e2e-open311-key"


def staff_token(role: str = "admin", unit: str | None = None, user: str = "e2e-admin") -> str:
    """A desk bearer token the running stack accepts, as `aduan token` would print it."""
    return issue_token(make_staff(user, role, unit), SECRET_KEY)


STAFF_TOKEN = staff_token()  # the admin's: `stack.desk` acts on any unit's complaints


@dataclass
class Ombudsman:
    """A stand-in for the Ombudsman's endpoint: keeps every dossier it accepts."""

    url: str
    dossiers: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def ombudsman() -> Iterator[Ombudsman]:
    received = Ombudsman(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.dossiers.append(json.loads(body))
            received.keys.append(self.headers.get("Idempotency-Key", ""))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received.url = f"http://127.0.0.1:{server.server_port}/laporan"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield received
    server.shutdown()


@dataclass
class Stack:
    """The running stack as `make run` starts it: clients, mailboxes, restart."""

    env: dict[str, str]
    data: Path
    intake: httpx.Client
    desk: httpx.Client
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.data / "stack.log"

    def start(self) -> None:
        """`aduan run`, returning when intake and desk answer."""
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen([sys.executable, "-m", "aduan", "run"], env=self.env,
                                            stdout=output, stderr=subprocess.STDOUT)
        for port in (self.env["ADUAN_INTAKE_PORT"], self.env["ADUAN_DESK_PORT"]):
            devstack.wait_for_port(int(port), 120, self.process, "aduan run")

    def stop(self) -> None:
        """Ctrl-C, as a user would; everything it started must be gone."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        self.process.wait(90)

    def mailbox(self, address: str) -> list[EmailMessage]:
        """Every mail the sink holds for `address`, oldest first."""
        folder = mailbox_dir(self.data / "mail", address)
        files = sorted(folder.glob("*.eml")) if folder.exists() else []
        return [message_from_bytes(f.read_bytes(), policy=policy.default)  # type: ignore[misc]
                for f in files]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, ombudsman: Ombudsman) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("stack")
    ports = {name: devstack.free_port() for name in
             ("PG_PORT", "NATS_PORT", "TEMPORAL_PORT", "TEMPORAL_UI_PORT", "INTAKE_PORT",
              "DESK_PORT", "SMTP_PORT", "SMTP_INBOUND_PORT")}
    env = {**os.environ, **{f"ADUAN_{k}": str(v) for k, v in ports.items()},
           "ADUAN_DATA_DIR": str(data), "ADUAN_SLA_POLICY": str(POLICY),
           "ADUAN_OMBUDSMAN_URL": ombudsman.url, "ADUAN_SECRET_KEY": SECRET_KEY,
           "ADUAN_LOG_FORMAT": "json", "ADUAN_OPEN311_API_KEYS": OPEN311_KEY}
    with httpx.Client(base_url=f"http://127.0.0.1:{ports['INTAKE_PORT']}") as intake, \
            httpx.Client(base_url=f"http://127.0.0.1:{ports['DESK_PORT']}",
                         headers={"Authorization": f"Bearer {STAFF_TOKEN}"}) as desk:
        running = Stack(env, data, intake, desk)
        try:
            running.start()
            yield running
        except BaseException:
            sys.stderr.write(running.log.read_text(errors="replace")[-20000:])
            raise
        finally:
            running.stop()


def eventually(probe: Callable[[], T | None], timeout: float = 60, what: str = "condition") -> T:
    """Poll `probe` until it returns something other than None or False."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
