"""Two of every replicated Aduan process side by side, and each one's share of the work.

Replica `a` of each is the one `aduan run` supervises (its log is the stack's); replica `b`
is a second `aduan serve NAME` started beside it, with its own HTTP port and log file, the
same durable consumers and the same Temporal task queue. What each did is read from its
structured log: the events a process writes once per piece of work it finished."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from temporalio.client import Client

from aduan.adapters.temporal import workflow_id
from devtools import servers
from tests.support.faults import FaultStack

# Longer than a send to the mail sink takes; short, so the test need not wait two minutes
# for the lease a killed notifier held.
DELIVERY_LEASE_S = 15
REPLICATED = ("intake", "desk", "relay", "routing", "worker", "notification")
HTTP_PORTS = {"intake": "INTAKE_PORT", "desk": "DESK_PORT"}
ACTION_ROUTE = "/v1/staff/complaints/{complaint_id}/actions/{name}"


def work_in(kind: str, entry: dict[str, Any]) -> int:
    """How much finished work one log entry of a `kind` process records (0: none)."""
    event = entry.get("event")
    if kind == "intake":  # stored here; a retry answered from the first one is not counted
        return int(event == "complaint.accepted" and entry.get("replayed") is False)
    if kind == "desk":  # an action the lifecycle took before the answer
        return int(
            event == "http.request"
            and entry.get("route") == ACTION_ROUTE
            and entry["status"] == 200
        )
    if kind == "relay":  # outbox rows published, a batch per line
        return int(entry.get("count", 0)) if event == "relay.published" else 0
    if kind == "routing":
        return int(event == "routing.decided")
    if kind == "worker":  # the bridge's events (its workflow tasks: workflow_task_workers)
        return int(event == "bridge.delivered")
    if kind == "notification":
        return int(event == "notification.sent")
    raise ValueError(f"no work is counted for {kind}")


class LogTally:
    """The work a process's log records so far, read on from where the last look stopped."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path, self.kind = path, kind
        self.offset, self.done = 0, 0

    def read(self) -> int:
        """The work counted up to the last complete line written."""
        if not self.path.exists():
            return self.done
        with self.path.open("rb") as log:
            log.seek(self.offset)
            chunk = log.read()
        complete = chunk.rfind(b"\n") + 1  # a line still being written waits for next time
        self.offset += complete
        for line in chunk[:complete].decode(errors="replace").splitlines():
            for entry in _entries(line):
                if entry.get("process") == self.kind:
                    self.done += work_in(self.kind, entry)
        return self.done


def _entries(line: str) -> Iterator[dict[str, Any]]:
    """The JSON log entries of one line. Processes sharing a log write an entry and its
    newline apart (print), so two entries may meet on one line: `{...}{...}`."""
    decoder, at = json.JSONDecoder(), 0
    while at < len(line) and line[at] == "{":  # else the supervisor's words, a traceback
        try:
            entry, at = decoder.raw_decode(line, at)
        except json.JSONDecodeError:
            return
        if isinstance(entry, dict):
            yield entry


class Replicas:
    """Replica `b` of every process of REPLICATED beside the stack's own `a`."""

    def __init__(self, stack: FaultStack) -> None:
        self.stack = stack
        self.folder = stack.data / "replicas"
        self.ports = {kind: servers.free_port() for kind in HTTP_PORTS}
        self.second: dict[str, subprocess.Popen[bytes]] = {}
        self.tallies = {
            f"{kind}-{label}": LogTally(log, kind)
            for kind in REPLICATED
            for label, log in (("a", stack.log), ("b", self.folder / f"{kind}-b.log"))
        }

    def start(self) -> None:
        """Start every `b`; return once the HTTP ones take connections."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for kind in REPLICATED:
            env = dict(self.stack.env)
            if kind in HTTP_PORTS:
                env[f"ADUAN_{HTTP_PORTS[kind]}"] = str(self.ports[kind])
            self.second[kind] = servers.spawn(
                [sys.executable, "-m", "aduan", "serve", kind],
                log=self.folder / f"{kind}-b.log",
                env=env,
            )
        for kind, port in self.ports.items():
            servers.wait_for_port(port, 60, self.second[kind], f"{kind} b")

    def stop(self) -> None:
        """SIGTERM every `b` still running."""
        for process in self.second.values():
            servers.stop(process)

    def urls(self, kind: str) -> list[str]:
        """The base URLs of both replicas of intake or desk: a's, then b's."""
        return [self.stack.url(HTTP_PORTS[kind]), f"http://127.0.0.1:{self.ports[kind]}"]

    def kill(self, kind: str) -> int:
        """SIGKILL replica `b` of `kind` (nobody restarts it); returns the pid it had."""
        process = self.second[kind]
        assert process.poll() is None, f"{kind} b is not running"
        process.kill()
        process.wait(10)
        return process.pid

    def pids(self, kind: str) -> dict[str, int]:
        """The pid of each replica of `kind`, by label (`worker-a`, `worker-b`)."""
        return {f"{kind}-a": self.stack.pid(kind), f"{kind}-b": self.second[kind].pid}

    def shares(self) -> dict[str, int]:
        """The work each replica's log records so far, by label (`routing-b`)."""
        return {label: tally.read() for label, tally in self.tallies.items()}

    def idle(self) -> list[str]:
        """The replicas that have not done any work yet."""
        return [label for label, done in self.shares().items() if not done]


async def workflow_task_workers(target: str, ids: list[uuid.UUID]) -> Counter[str]:
    """Over these complaints' lifecycles, how many workflow tasks each worker identity
    (pid@host, the SDK's default) completed: the Temporal half of a worker's work."""
    client = await Client.connect(target)
    found: Counter[str] = Counter()
    for complaint_id in ids:
        history = await client.get_workflow_handle(workflow_id(complaint_id)).fetch_history()
        for event in history.events:
            if event.HasField("workflow_task_completed_event_attributes"):
                found[event.workflow_task_completed_event_attributes.identity] += 1
    return found
