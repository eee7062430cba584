"""kill -9 the Temporal dev server: it comes back from its file, and its timers with it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from devtools import servers
from devtools.mailsink import mailbox_dir
from tests.support.faults import FaultStack
from tests.support.invariants import (
    assert_each_complaint_once,
    fetch,
    mail_headers,
    run,
    settle,
    timeline_counts,
    until_done,
)
from tests.support.stream import ComplaintStream

pytestmark = pytest.mark.faults

KILL_BEFORE_DUE_S = 0.7  # the supervisor pauses 1 s before a restart, and Temporal takes more


def test_deadlines_falling_while_temporal_is_down_still_escalate(faults: FaultStack) -> None:
    # `kilat` misses its first response 12 s after receipt (tests/faults/policy.yaml).
    fast = ComplaintStream(faults.intake_url, 6, interval=0.0, complaint_class="kilat")
    fast.start()
    posted = fast.finish()
    ids = [p.id for p in posted]
    settle(faults, ids, timeout=30)
    due = [
        r["due_at"]
        for r in run(
            fetch(
                faults.dsn,
                "SELECT due_at FROM deadlines WHERE complaint_id = ANY($1)"
                " AND kind = 'first_response'",
                ids,
            )
        )
    ]
    assert len(due) == len(ids)
    wait = (min(due) - datetime.now(UTC)).total_seconds() - KILL_BEFORE_DUE_S
    assert wait > 0, "routing took longer than the first-response deadline"
    time.sleep(wait)  # the scenario: Temporal must go down just before the first deadline falls

    old_pid = faults.kill("temporal")
    killed = datetime.now(UTC)
    late = ComplaintStream(faults.intake_url, 5, interval=0.1)  # arriving during the outage
    late.start()
    faults.wait_restarted("temporal", old_pid)
    servers.wait_for_port(faults.ports["TEMPORAL_PORT"], 60, name="temporal")
    back = datetime.now(UTC)
    assert killed < min(due) and max(due) < back, "a deadline did not fall in the outage"

    def escalated() -> str | None:
        counts = timeline_counts(faults, ids)
        waiting = [i for i in ids if counts[i]["escalated"] < 1]
        return f"{len(waiting)} not escalated yet" if waiting else None

    until_done(escalated, 90, "escalation after the restart")
    counts = timeline_counts(faults, ids)
    for complaint_id in ids:
        assert counts[complaint_id]["deadline_missed"] == 1, counts[complaint_id]
        assert counts[complaint_id]["escalated"] == 1, counts[complaint_id]
    supervisor = mailbox_dir(faults.mail_root, "supervisor@localhost")

    def told() -> str | None:
        subjects = (
            " ".join(h["subject"] for h in mail_headers(supervisor)) if supervisor.exists() else ""
        )
        missing = [
            p.created["tracking_code"]
            for p in posted
            if p.created and p.created["tracking_code"] not in subjects
        ]
        return f"supervisor not told of {missing}" if missing else None

    until_done(told, 60, "the supervisor's mail")
    assert_each_complaint_once(faults, posted)
    assert_each_complaint_once(faults, late.finish())
