"""The anchor `routed_ratio` is measured against: the least a lifecycle can be on this server.

A start, one local activity (as the lifecycle's first step is), then a durable timer; the
moment each run reaches its timer is kept, so `raw_min_lifecycle_rps` is runs reaching
their first timer per second, as `lifecycle_routed_rps` is complaints reaching `routed`.
"""

from __future__ import annotations

import time
from datetime import timedelta

from temporalio import activity, workflow

REACHED: list[float] = []  # filled by the activity, in the bench process's worker


@activity.defn(name="BenchMark")
async def mark() -> None:
    """Note the moment a run passed its first step."""
    REACHED.append(time.time())


@workflow.defn(name="BenchMinimalLifecycle")
class MinimalLifecycle:
    """One local activity, then a durable timer, then done."""

    @workflow.run
    async def run(self) -> None:
        await workflow.execute_local_activity(mark, start_to_close_timeout=timedelta(seconds=10))
        await workflow.sleep(timedelta(seconds=1))
