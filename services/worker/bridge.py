"""The bridge: JetStream events start lifecycles and deliver routing decisions to them."""

from __future__ import annotations

from typing import Any

import structlog
from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from aduan.adapters import temporal
from aduan.adapters.bus import RetryLater
from aduan.domain.events import Event, EventType
from aduan.domain.routing import RoutingDecision
from aduan.domain.vocabulary import Status
from aduan.lifecycle.state import LifecycleInput
from aduan.lifecycle.workflow import ComplaintLifecycle

log = structlog.get_logger(__name__)


class Bridge:
    """Signal-with-start, idempotent: events may arrive twice and in any order."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def handle(self, event: Event) -> None:
        """Start the lifecycle on `received`; signal-with-start it on `routing.decided`."""
        signal: dict[str, Any] = {}
        if event.type == EventType.ROUTING_DECIDED:
            signal = {
                "start_signal": "route",
                "start_signal_args": [RoutingDecision.model_validate(event.data)],
            }
        elif event.type != EventType.RECEIVED:
            return
        try:
            await self.client.start_workflow(
                ComplaintLifecycle.run,
                LifecycleInput(complaint_id=event.complaint_id),
                id=temporal.workflow_id(event.complaint_id),
                task_queue=self.task_queue,
                # A running lifecycle is reused; a finished one is never started again.
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    [SearchAttributePair(temporal.STATUS, Status.RECEIVED.value)]
                ),
                **signal,
            )
        except WorkflowAlreadyStartedError:
            log.info("bridge.lifecycle_already_closed")
        except RPCError as exc:
            raise RetryLater(f"Temporal unavailable: {exc.message}") from exc
        log.info("bridge.delivered")
