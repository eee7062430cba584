"""The activity behind RetentionRun and the daily Schedule that starts it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from temporalio import activity
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from aduan.adapters.attachments import AttachmentStore
from aduan.domain.policy import load_policy
from aduan.domain.retention import cutoffs
from aduan.lifecycle.retention_workflow import ACTIVITY, SCHEDULE_ID, WORKFLOW_ID, RetentionRun
from aduan.store import retention

# Every day at 02:30 in the provider's zone, when nobody files complaints.
DAILY = "30 2 * * *"


class RetentionActivities:
    """What a retention run needs: PostgreSQL, the attachment store, NATS, the policy."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        store: AttachmentStore | None,
        nats_servers: Sequence[str],
        policy_path: Path,
    ) -> None:
        self.pool, self.store = pool, store
        self.nats_servers, self.policy_path = list(nats_servers), policy_path

    @activity.defn(name=ACTIVITY)
    async def run(self) -> dict[str, int]:
        """One retention run (as `aduan retention run`), heartbeating after every batch."""
        policy = load_policy(self.policy_path)
        now = datetime.now(UTC)
        limits = cutoffs(policy.retention, now)
        tally = await retention.run(
            self.pool, self.store, limits, now, progress=lambda kind, n: activity.heartbeat(kind)
        )
        tally.add(
            "stream_events",
            await retention.trim_configured(self.nats_servers, limits.outbox_sent, dry_run=False),
        )
        return tally.counts

    def all(self) -> list[Callable[..., Any]]:
        """The activities to register on a worker."""
        return [self.run]


async def ensure_schedule(client: Client, task_queue: str, timezone: str) -> bool:
    """Create the daily Schedule unless it exists (an operator's changes to it are kept);
    True when it was created now."""
    try:
        await client.create_schedule(
            SCHEDULE_ID,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    RetentionRun.run, id=WORKFLOW_ID, task_queue=task_queue
                ),
                spec=ScheduleSpec(cron_expressions=[DAILY], time_zone_name=timezone),
                policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
            ),
        )
    except ScheduleAlreadyRunningError:
        return False
    return True
