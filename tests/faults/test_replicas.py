"""Two of every Aduan process on the three-node NATS cluster: both replicas of each do part of
the work, and losing one of each (kill -9) and the stream's leader mid-stream loses nothing
and does nothing twice."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.support.invariants import assert_each_complaint_once, run, timeline_counts, until_done
from tests.support.nats_cluster import Cluster, stream_leader
from tests.support.replicas import REPLICATED, Replicas, workflow_task_workers
from tests.support.stack import STAFF_TOKEN
from tests.support.stream import ActionStream, ComplaintStream

pytestmark = pytest.mark.faults

STREAM_SIZE = 120
KILL_AFTER = 40  # accepted complaints: the kills land in the middle of both streams


def test_two_of_every_process_share_the_work_and_losing_one_of_each_loses_nothing(
    replicas: Replicas, cluster: Cluster
) -> None:
    began = time.monotonic()
    stack = replicas.stack
    complaints = ComplaintStream(replicas.urls("intake"), STREAM_SIZE, interval=0.1)
    actions = ActionStream(replicas.urls("desk"), STAFF_TOKEN, complaints)
    complaints.start()
    actions.start()
    complaints.wait_until_accepted(KILL_AFTER)

    def idle() -> str | None:
        waiting = replicas.idle()
        return f"no work yet by {', '.join(waiting)}" if waiting else None

    waited = until_done(idle, timeout=60, what="every replica doing part of the work")
    before = replicas.shares()
    survivors = {kind: stack.pid(kind) for kind in REPLICATED}
    leader = run(stream_leader(cluster.urls))
    cluster.kill(leader)
    for kind in REPLICATED:
        replicas.kill(kind)
    killed_at = time.monotonic() - began
    accepted_at_kill = complaints.accepted_count
    assert complaints.is_alive() and actions.is_alive(), "the streams ended before the kills"

    posted = complaints.finish()
    acted = actions.finish()
    # A notifier killed between the mail sink's "250" and its delivery log sends that mail
    # again, with the same Message-ID (docs/decisions.md): one kill, one resend at most.
    assert_each_complaint_once(stack, posted, resends_allowed=1)
    ids = [p.id for p in posted]
    counts = timeline_counts(stack, ids)
    twice = {str(i): counts[i]["acknowledged"] for i in ids if counts[i]["acknowledged"] != 1}
    assert not twice, f"acknowledged not exactly once: {twice}"

    # Losing a peer and a NATS node is no reason for a survivor to crash (and be restarted).
    assert {kind: stack.pid(kind) for kind in REPLICATED} == survivors

    # The worker's Temporal half: both replicas completed workflow tasks, nobody else did.
    tasks = run(workflow_task_workers(stack.temporal_target, ids))
    workers = {
        label: sum(n for identity, n in tasks.items() if identity.startswith(f"{pid}@"))
        for label, pid in replicas.pids("worker").items()
    }
    assert all(workers.values()), workers
    assert sum(workers.values()) == sum(tasks.values()), (workers, tasks)

    after = replicas.shares()
    print(
        f"\nreplicas: {len(posted)} complaints, {len(acted)} acknowledged;"
        f" killed {', '.join(f'{k}-b' for k in REPLICATED)} and NATS {leader}"
        f" at {accepted_at_kill} accepted ({killed_at:.0f}s in, {waited:.1f}s waiting for"
        " every replica to work)"
        f"\n  post answers {dict(Counter(a for p in posted for a in p.answers))},"
        f" action answers {dict(Counter(a for x in acted for a in x.answers))}"
        f"\n  work before the kills {before}\n  work in all {after}"
        f"\n  workflow tasks {workers}\n  {time.monotonic() - began:.0f}s"
    )
