"""Desk's door to Temporal: Updates on a complaint's lifecycle, errors as problems."""

from __future__ import annotations

import uuid
from typing import Any

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from aduan import temporal
from aduan.config import Settings
from aduan.problems import Problem
from workflows.lifecycle import ComplaintLifecycle
from workflows.models import LifecycleState, StaffAction

ACTIONS: dict[str, Any] = {
    "acknowledge": ComplaintLifecycle.acknowledge,
    "respond": ComplaintLifecycle.respond,
}
_UNAVAILABLE = Problem(503, "Service unavailable", "the lifecycle engine is unreachable; try again")


class Lifecycles:
    """Connects to Temporal on first use, so desk starts even when Temporal is down."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Client | None = None

    async def client(self) -> Client:
        """The Temporal client, connecting now if needed; 503 when unreachable."""
        if self._client is None:
            try:
                self._client = await temporal.connect(
                    self.settings.temporal_target, self.settings.temporal_namespace
                )
            except RuntimeError as exc:
                raise _UNAVAILABLE from exc
        return self._client

    async def act(self, complaint_id: uuid.UUID, action: str, body: StaffAction) -> LifecycleState:
        """Run an action as a Temporal Update; refused actions become 409/422 problems."""
        if action not in ACTIONS:
            raise Problem(404, "Unknown action", f"there is no action {action!r}; use one of "
                          f"{', '.join(sorted(ACTIONS))}")
        handle = (await self.client()).get_workflow_handle(temporal.workflow_id(complaint_id))
        try:
            result: LifecycleState = await handle.execute_update(
                ACTIONS[action], body, result_type=LifecycleState
            )
            return result
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type == "InvalidAction":
                raise Problem(422, "Invalid action", cause.message) from exc
            message = cause.message if isinstance(cause, ApplicationError) else str(cause)
            raise Problem(409, "Action not allowed", message) from exc
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise Problem(409, "Lifecycle not running",
                              "this complaint's lifecycle has not started or has ended") from exc
            raise _UNAVAILABLE from exc
