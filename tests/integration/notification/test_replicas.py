"""Two notifier replicas on one durable consumer, mailing through a slow SMTP peer."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.domain.events import STREAM, Event
from devtools import servers
from services.notification.consumer import Notifier
from services.notification.mailer import Mailer
from tests.support.notification import (
    insert_complaint,
    make_settings,
    outbox_event,
    routed,
    unit_mailbox,
)

ACK_WAIT_S = 2.0
SMTP_DELAY_S = 2.5  # each mail outlasts the consumer's ack wait
LEASE_S = 6.0  # longer than one send; short, so a replica that found it leased retries soon


@dataclass
class SlowSink:
    """An SMTP peer that takes SMTP_DELAY_S to accept each message."""

    port: int = 0
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (Message-ID, recipient)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(SMTP_DELAY_S)  # runs in the peer's own thread and loop
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.accepted += [(str(message["Message-ID"]).strip(), to) for to in envelope.rcpt_tos]
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def slow_sink() -> Iterator[SlowSink]:
    sink = SlowSink(port=servers.free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


async def test_slow_deliveries_reach_each_recipient_once_across_two_replicas(
    pool: asyncpg.Pool,
    js: JetStreamContext,
    slow_sink: SlowSink,
    pg_dsn: str,
    nats_url: str,
    http: httpx.AsyncClient,
) -> None:
    settings = make_settings(pg_dsn, nats_url, slow_sink.port, "").model_copy(
        update={"delivery_lease_s": LEASE_S}
    )
    received = datetime.now(UTC) - timedelta(days=1)
    events: list[Event] = []
    expected: set[tuple[str, str]] = set()
    for _ in range(2):
        email = f"{uuid.uuid4().hex[:10]}@example.id"
        complaint_id = await insert_complaint(
            pool, received_at=received, complainant={"name": "Siti", "email": email}
        )
        receipt = await outbox_event(pool, complaint_id, "received")
        assigned = await routed(pool, complaint_id, received)
        events += [receipt, assigned]
        expected |= {
            (f"<{receipt.id}.complainant@penyelenggara.example>", email),
            (f"<{assigned.id}.complainant@penyelenggara.example>", email),
            (f"<{assigned.id}.officer@penyelenggara.example>", unit_mailbox("penagihan")),
        }
    # The process's consume loop, on a subject and durable of this test's own: the session's
    # stream holds every other test's events.
    subject = f"aduan.test.{uuid.uuid4().hex}"
    durable = f"notification-{uuid.uuid4().hex[:8]}"
    stop = asyncio.Event()
    replicas = [
        asyncio.create_task(
            bus.consume(
                js,
                durable,
                [subject],
                Notifier(settings, pool, Mailer.from_settings(settings), http).handle,
                stop,
                ack_wait=ACK_WAIT_S,
            )
        )
        for _ in range(2)
    ]
    try:
        for event in events:
            await bus.publish(js, event, subject=subject)
        deadline = time.monotonic() + 90
        while True:
            if expected <= set(slow_sink.accepted):  # then wait for every event to be acked
                info = await js.consumer_info(STREAM, durable)
                if info.num_pending == 0 and info.num_ack_pending == 0:
                    break
            assert time.monotonic() < deadline, f"not settled: {slow_sink.accepted}"
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*replicas), timeout=60)
        await js.delete_consumer(STREAM, durable)

    mails = Counter(slow_sink.accepted)
    assert set(mails) == expected
    assert [mail for mail, times in mails.items() if times > 1] == []
