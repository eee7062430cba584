"""NATS unreachable while complaints keep arriving: intake accepts them all, they flow after."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import nats
import pytest

from tests.support.faults import FaultStack
from tests.support.invariants import assert_each_complaint_once, fetch, run
from tests.support.stream import ComplaintStream

pytestmark = pytest.mark.faults

OUTAGE_S = 8.0


async def _reachable(url: str) -> bool:
    try:
        client = await nats.connect(
            url, connect_timeout=2, max_reconnect_attempts=0, allow_reconnect=False
        )
    except (TimeoutError, OSError, nats.errors.Error):
        return False
    await client.close()
    return True


def test_intake_accepts_while_nats_is_unreachable_and_everything_flows_once_it_is_back(
    faults: FaultStack,
) -> None:
    # SIGSTOP simulates an unreachable server (a hung host, a network partition): connections
    # stay open but nothing answers, and the supervisor, which restarts only what exits,
    # cannot bring it back early. SIGCONT ends the outage.
    server = faults.child("nats")
    assert server is not None
    stream = ComplaintStream(faults.intake_url, 36, interval=0.3)
    stream.start()
    stream.wait_until_accepted(4)
    server.suspend()
    stopped_at = time.monotonic()
    try:
        assert not run(_reachable(faults.nats_url)), "NATS still answers while stopped"
        # The scenario: the outage lasts OUTAGE_S while the stream keeps posting.
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped_at)))
        during = [p for p in stream.posted if p.accepted_at and p.accepted_at > stopped_at]
    finally:
        resumed = datetime.now(UTC)
        server.resume()

    assert len(during) >= 10, f"only {len(during)} complaints accepted while NATS was down"
    assert all(p.answers == [201] for p in during), [p.answers for p in during]
    posted = stream.finish()
    assert_each_complaint_once(faults, posted)

    # Nothing of what arrived during the outage reached a lifecycle before NATS was back.
    opened = run(
        fetch(
            faults.dsn,
            "SELECT min(occurred_at) AS first FROM timeline"
            " WHERE complaint_id = ANY($1) AND event_type = 'opened'",
            [p.id for p in during],
        )
    )
    assert opened[0]["first"] >= resumed, (opened[0]["first"], resumed)
