"""RetentionRun: one retention run as a Temporal workflow, started daily by a Schedule the
worker creates (docs/privacy.md "Retention"). The work is one activity, retried and
heartbeating per batch; each batch commits on its own, so a retried run resumes."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

SCHEDULE_ID = "aduan-retention"
WORKFLOW_ID = "aduan-retention-run"
ACTIVITY = "retention_run"


@workflow.defn(name="RetentionRun")
class RetentionRun:
    """Apply the policy's retention once; the counts per kind are its result."""

    @workflow.run
    async def run(self) -> dict[str, int]:
        """Run the retention activity until it is done."""
        counts: dict[str, int] = await workflow.execute_activity(
            ACTIVITY,
            start_to_close_timeout=timedelta(hours=6),
            heartbeat_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(maximum_attempts=5, initial_interval=timedelta(minutes=1)),
            result_type=dict[str, int],
        )
        return counts
