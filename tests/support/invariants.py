"""What must hold after any fault: each complaint once, each transition once, each mail once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import nats
from temporalio.client import Client, WorkflowExecutionStatus

from aduan.adapters.temporal import workflow_id
from aduan.domain.events import STREAM, Consumer
from devtools.mailsink import mailbox_dir
from tests.support.faults import FaultStack
from tests.support.stream import Posted

T = TypeVar("T")
CONSUMERS = tuple(Consumer)


def run(coro: Awaitable[T]) -> T:
    """Run one coroutine from a synchronous test."""

    async def main() -> T:
        return await coro

    return asyncio.run(main())


async def fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Rows of one query on a connection of its own (the stack may have restarted)."""
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


def until_done(probe: Callable[[], str | None], timeout: float, what: str) -> float:
    """Poll until `probe` returns None (done); it returns why not yet. Seconds it took."""
    began = time.monotonic()
    reason: str | None = "never probed"
    while time.monotonic() - began < timeout:
        reason = probe()
        if reason is None:
            return time.monotonic() - began
        time.sleep(0.5)  # the poll interval
    raise AssertionError(f"{what}: not done after {timeout:.0f}s: {reason}")


async def _unsettled(faults: FaultStack, ids: list[uuid.UUID]) -> str | None:
    rows = await fetch(
        faults.dsn,
        """
        SELECT (SELECT count(DISTINCT complaint_id) FROM timeline
                WHERE complaint_id = ANY($1) AND event_type = 'routed') AS routed,
               (SELECT count(*) FROM outbox WHERE published_at IS NULL) AS unpublished""",
        ids,
    )
    if rows[0]["routed"] < len(ids):
        return f"{rows[0]['routed']} of {len(ids)} routed"
    if rows[0]["unpublished"]:
        return f"{rows[0]['unpublished']} outbox rows unpublished"
    nc = await nats.connect(faults.nats_servers, connect_timeout=3, max_reconnect_attempts=1)
    try:
        js = nc.jetstream()
        for durable in CONSUMERS:
            info = await js.consumer_info(STREAM, durable)
            if info.num_pending or info.num_ack_pending:
                return (
                    f"consumer {durable}: {info.num_pending} pending,"
                    f" {info.num_ack_pending} unacknowledged"
                )
    finally:
        await nc.close()
    return None


def settle(faults: FaultStack, ids: list[uuid.UUID], timeout: float = 150) -> float:
    """Wait until every complaint is routed and every event published and consumed."""

    def probe() -> str | None:
        try:
            return run(_unsettled(faults, ids))
        except Exception as exc:  # a server may still be coming back
            return f"{type(exc).__name__}: {exc}"

    return until_done(probe, timeout, "the stack settling")


def timeline_counts(faults: FaultStack, ids: list[uuid.UUID]) -> dict[uuid.UUID, Counter[str]]:
    """For each complaint, how many timeline rows of each event type it has."""
    rows = run(
        fetch(
            faults.dsn,
            "SELECT complaint_id, step, event_type FROM timeline"
            " WHERE complaint_id = ANY($1) ORDER BY id",
            ids,
        )
    )
    counts: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    steps: dict[uuid.UUID, list[int]] = defaultdict(list)
    for row in rows:
        counts[row["complaint_id"]][row["event_type"]] += 1
        steps[row["complaint_id"]].append(int(row["step"].split("-", 1)[0]))
    for complaint_id, numbers in steps.items():  # no step missing, none twice
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), (complaint_id, numbers)
    return counts


async def _lifecycles(target: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Any, int]]:
    client = await Client.connect(target)
    found: dict[uuid.UUID, tuple[Any, int]] = {}
    for complaint_id in ids:
        handle = client.get_workflow_handle(workflow_id(complaint_id))
        description = await handle.describe()
        runs = await client.count_workflows(f"WorkflowId = '{workflow_id(complaint_id)}'")
        found[complaint_id] = (description.status, runs.count)
    return found


def mail_headers(folder: Path) -> list[dict[str, str]]:
    """Subject and Message-ID of every .eml file in one mailbox."""
    parser = BytesHeaderParser(policy=policy.default)  # decodes encoded subjects
    headers = []
    for path in sorted(folder.glob("*.eml")):
        message = parser.parsebytes(path.read_bytes())
        headers.append(
            {"subject": str(message["Subject"]), "message_id": str(message["Message-ID"])}
        )
    return headers


def assert_no_mail_twice(mail_root: Path, codes: set[str], resends_allowed: int = 0) -> None:
    """No mailbox holds one Message-ID twice (among mail about the complaints of `codes`,
    every subject names its tracking code), beyond `resends_allowed` resends in all.

    A notifier killed after the SMTP server took a mail but before its delivery was logged
    sends that mail again, with the same Message-ID (docs/decisions.md): one per crash."""
    resent: dict[str, dict[str, int]] = {}
    for folder in sorted(p for p in mail_root.iterdir() if p.is_dir()):
        headers = [
            h for h in mail_headers(folder) if h["subject"].partition("]")[0].lstrip("[") in codes
        ]
        ids = Counter(h["message_id"] for h in headers)
        twice = {m: n for m, n in ids.items() if n > 1}
        if twice:
            resent[folder.name] = twice
        for message_id in twice:  # a resend is the same message, not another one
            subjects = {h["subject"] for h in headers if h["message_id"] == message_id}
            assert len(subjects) == 1, (folder.name, message_id, subjects)
    resends = sum(n - 1 for twice in resent.values() for n in twice.values())
    assert resends <= resends_allowed, f"mail received more than once: {resent}"


def assert_each_complaint_once(
    faults: FaultStack,
    posted: list[Posted],
    *,
    settle_timeout: float = 150,
    resends_allowed: int = 0,
) -> None:
    """Exactly one complaint, lifecycle and routing per submission; the mail, once each."""
    ids = [p.id for p in posted]
    prefix = posted[0].key.rsplit("-", 1)[0]
    stored = run(
        fetch(
            faults.dsn,
            "SELECT id FROM complaints WHERE complainant->>'email' LIKE $1",
            f"{prefix}-%",
        )
    )
    assert sorted(r["id"] for r in stored) == sorted(ids), "a retry created a second complaint"

    settle(faults, ids, settle_timeout)
    counts = timeline_counts(faults, ids)
    for complaint_id in ids:
        assert counts[complaint_id]["opened"] == 1, (complaint_id, counts[complaint_id])
        assert counts[complaint_id]["routed"] == 1, (complaint_id, counts[complaint_id])

    lifecycles = run(_lifecycles(faults.temporal_target, ids))
    for complaint_id, (status, runs) in lifecycles.items():
        assert status == WorkflowExecutionStatus.RUNNING, (complaint_id, status)
        assert runs == 1, f"complaint {complaint_id} has {runs} lifecycles"

    assert_mail_once(faults, posted, resends_allowed)


def assert_mail_once(faults: FaultStack, posted: list[Posted], resends_allowed: int = 0) -> None:
    """Every delivery is logged sent and in the recipient's mailbox; nobody gets mail twice."""
    rows = run(
        fetch(
            faults.dsn,
            """
        SELECT complaint_id, status, recipient_role, channel FROM deliveries
        WHERE complaint_id = ANY($1)""",
            [p.id for p in posted],
        )
    )
    assert {r["status"] for r in rows} <= {"sent"}, [dict(r) for r in rows]
    logged = Counter(
        r["complaint_id"]
        for r in rows
        if r["recipient_role"] == "complainant" and r["channel"] == "email"
    )
    assignments = Counter(
        h["subject"].partition("]")[0].lstrip("[")
        for folder in faults.mail_root.iterdir()
        if folder.is_dir()
        for h in {m["message_id"]: m for m in mail_headers(folder)}.values()
        if "Pengaduan baru untuk unit" in h["subject"]
    )
    for p in posted:
        assert p.created is not None
        code = p.created["tracking_code"]
        folder = mailbox_dir(faults.mail_root, p.email)
        headers = mail_headers(folder) if folder.exists() else []
        subjects = {h["subject"] for h in headers}
        assert all(code in s for s in subjects), (code, subjects)
        # A web complainant who has not confirmed the address hears the receipt only
        # (docs/abuse.md); the unit's officers hear of the routing, once.
        assert subjects and all("diterima" in s for s in subjects), f"{code}: {subjects}"
        assert assignments[code] == 1, f"{code}: {assignments[code]} assignment mails"
        # One distinct message per logged delivery: none lost, no second message for one.
        assert len({h["message_id"] for h in headers}) == logged[p.id], (code, headers)
    codes = {p.created["tracking_code"] for p in posted if p.created}
    assert_no_mail_twice(faults.mail_root, codes, resends_allowed)
