"""ComplaintLifecycle on Temporal's time-skipping test server, with real PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from aduan.config import PACKAGE_DIR
from aduan.domain.routing import RoutingDecision
from aduan.lifecycle.activities import LifecycleActivities
from aduan.lifecycle.models import LifecycleState
from aduan.lifecycle.state import LifecycleInput
from aduan.lifecycle.workflow import ComplaintLifecycle
from tests.support.complaints import insert_complaint

DEFAULT_POLICY = PACKAGE_DIR / "default_policy.yaml"


@dataclass
class Complaint:
    """One complaint under test: its id, its workflow, and its recorded timeline."""

    id: uuid.UUID
    handle: WorkflowHandle[ComplaintLifecycle, LifecycleState]
    pool: asyncpg.Pool

    async def state(self) -> LifecycleState:
        return await self.handle.query(ComplaintLifecycle.state)

    async def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Timeline rows (event type, data, public), optionally of one type."""
        rows = await self.pool.fetch(
            "SELECT event_type, data, public, status, escalation_level FROM timeline"
            " WHERE complaint_id = $1 ORDER BY id",
            self.id,
        )
        return [dict(r) for r in rows if event_type in (None, r["event_type"])]

    async def due(self, kind: str) -> datetime:
        state = await self.state()
        return next(d.due_at for d in state.deadlines if d.kind == kind)


@dataclass
class Lifecycles:
    """Starts complaints' lifecycles on the test server."""

    env: WorkflowEnvironment
    client: Client
    task_queue: str
    pool: asyncpg.Pool
    activities: LifecycleActivities
    started: list[Complaint] = field(default_factory=list)
    indexed: bool = False  # keep search attributes current: only where they are registered

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def skip(self, **delta: float) -> None:
        # The time-skipping server's sleep: it advances workflow time, it waits for nothing.
        await self.env.sleep(timedelta(**delta))

    async def start(
        self,
        complaint_class: str | None = "standard",
        *,
        routed: bool = True,
        received_at: datetime | None = None,
        category: str = "general",
        decision: RoutingDecision | None = None,
        **fields: Any,
    ) -> Complaint:
        complaint_id = await insert_complaint(
            self.pool, received_at=received_at or await self.now(), **fields
        )
        options: dict[str, Any] = {}
        if routed:
            options = {
                "start_signal": "route",
                "start_signal_args": [
                    decision
                    or RoutingDecision(
                        category=category, unit="penagihan", complaint_class=complaint_class or ""
                    )
                ],
            }
        handle = await self.client.start_workflow(
            ComplaintLifecycle.run,
            LifecycleInput(complaint_id=complaint_id, search_attributes=self.indexed),
            id=f"complaint-{complaint_id}",
            task_queue=self.task_queue,
            **options,
        )
        complaint = Complaint(complaint_id, handle, self.pool)
        self.started.append(complaint)
        if routed:
            for _ in range(100):  # routing is recorded by the first workflow tasks
                if (await complaint.state()).status != "received":
                    break
                await self.skip(seconds=1)
        return complaint

    def use_policy(self, path: Path) -> None:
        """Policy for complaints started from now on (running ones keep theirs)."""
        self.activities.policy_path = path
