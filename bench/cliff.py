"""A deadline cliff: many first-response deadlines expiring at the same instant.

The complaints are stored the way intake stores them (`complaints.create`, row + outbox row),
but with one common `received_at`, set in the past so that their deadline (the policy's
`cliff` class) falls a little after the last of them is routed. Every lifecycle is then
waiting on a durable timer for the same instant; the figure is how long after that instant
the last supervisor escalation is written to PostgreSQL. A complaint routed only after the
instant (a machine slower than the lead allowed for) escalates as soon as it is routed: it
is counted apart (`cliff_routed_late`), not in the cliff.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from aduan.domain.policy import load_policy
from aduan.store import complaints
from bench import observe
from bench.intake import new_complaint
from bench.load import percentile, run_load
from bench.progress import Progress
from bench.report import Results
from bench.stack import POLICY

CLASS = "cliff"
LEVEL = "supervisor"


MAX_LEAD_S = 450.0


def lead_time(count: int, routed_per_s: float | None, first_response_s: float) -> float:
    """Seconds from now to the deadline: enough to route every complaint first, with room
    for a machine twice slower than the lifecycle phase measured, within MAX_LEAD_S."""
    rate = routed_per_s or 5.0
    return min(first_response_s - 10, MAX_LEAD_S, max(20.0, 10 + 2.0 * count / rate))


async def cliff(
    pool: asyncpg.Pool, count: int, routed_per_s: float | None, results: Results, progress: Progress
) -> None:
    """Store `count` complaints due at one instant; time the escalations after it."""
    first_response = load_policy(POLICY).classes[CLASS].first_response.amount
    lead = lead_time(count, routed_per_s, first_response)
    received = datetime.now(UTC) + timedelta(seconds=lead - first_response)
    deadline = received + timedelta(seconds=first_response)
    tag = uuid.uuid4().hex[:8]

    async def store(i: int) -> uuid.UUID:
        new = new_complaint(i, f"cliff-{tag}", received_at=received, complaint_class=CLASS)
        return (await complaints.create(pool, new)).id

    with progress.task("cliff complaints stored", count) as task:
        run = await run_load(count, 16, store, task)
    ids = [c.value for c in run.ok]
    with progress.task(f"cliff complaints routed (deadline in {lead:.0f}s)", len(ids)) as task:
        await observe.wait_routed(pool, ids, lead, task)
    await asyncio.sleep(max(0.0, deadline.timestamp() - time.time()))
    # The cliff is the complaints already waiting on their timer when the instant came.
    routed = await observe.step_times(pool, ids, "routed")
    waiting = [cid for cid, at in routed.items() if at < deadline]
    due = await pool.fetch(
        "SELECT DISTINCT due_at FROM deadlines WHERE kind = 'first_response'"
        " AND complaint_id = ANY($1::uuid[])",
        waiting,
    )
    lags = await _escalations(pool, ids, deadline, 60 + count / 2, progress)
    on_time = [lags[cid] for cid in waiting if cid in lags]
    results.figures.update(
        cliff_size=len(waiting),
        cliff_drain_s=max(on_time) if on_time and len(on_time) == len(waiting) else None,
        cliff_lag_p50_s=percentile(on_time, 50),
        cliff_lag_p95_s=percentile(on_time, 95),
        cliff_stored=len(ids),
        cliff_routed_late=len(ids) - len(waiting),
        cliff_escalated=len(lags),
        cliff_drain_all_s=max(lags.values()) if lags else None,
        cliff_due_at_distinct=len(due),
        cliff_lead_s=lead,
    )
    results.series["cliff_lag_s"] = on_time
    if len(waiting) < len(ids):
        results.notes.append(
            f"cliff: {len(ids) - len(waiting)} of {len(ids)} complaints were routed only after"
            f" their deadline (the machine was slower than the lead of {lead:.0f}s allowed);"
            " cliff_size and cliff_drain_s count the others"
        )
    if len(lags) < len(ids):
        results.notes.append(f"cliff: {len(ids) - len(lags)} escalations missing at timeout")


async def _escalations(
    pool: asyncpg.Pool,
    ids: list[uuid.UUID],
    deadline: datetime,
    within_s: float,
    progress: Progress,
) -> dict[uuid.UUID, float]:
    """Wait for every supervisor escalation; seconds from the deadline to each one's commit."""

    async def escalated() -> int:
        return await observe.escalated_count(pool, ids, LEVEL)

    with progress.task("cliff escalations written", len(ids)) as task:
        await observe.wait_for(escalated, len(ids), within_s, task, period=0.25)
    written = await observe.escalation_commits(pool, ids, LEVEL)
    return {cid: (at - deadline).total_seconds() for cid, at in written.items()}
