"""The door to running lifecycles for desk and intake: actions as Updates, refusals as
domain errors."""

from __future__ import annotations

import uuid
from datetime import timedelta

from pydantic import ValidationError
from temporalio.client import Client, RPCTimeoutOrCancelledError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from aduan.adapters import temporal
from aduan.config import Settings
from aduan.domain import errors
from aduan.lifecycle.actions import Action
from aduan.lifecycle.models import ActionInput, LifecycleState
from aduan.lifecycle.workflow import ComplaintLifecycle

# An Update waits for a worker to run it; past this, the caller hears 503 and may retry
# (with the same update id, the retry cannot act twice).
UPDATE_TIMEOUT = timedelta(seconds=20)


def _unavailable() -> errors.Unavailable:
    return errors.Unavailable("the lifecycle engine is unreachable; try again")


def parse_action(actions: dict[str, Action], name: str, body: object) -> tuple[Action, ActionInput]:
    """Find the action by its URL name and validate its body (UnknownAction, InvalidInput)."""
    action = actions.get(name)
    if action is None:
        raise errors.UnknownAction(
            f"there is no action {name!r}; use one of {', '.join(sorted(actions))}"
        )
    try:
        return action, action.input.model_validate(body if body is not None else {})
    except ValidationError as exc:
        raise errors.InvalidInput.fields(exc.errors()) from exc


class Lifecycles:
    """Connects to Temporal on first use, so desk and intake start even when it is down."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Client | None = None

    async def client(self) -> Client:
        """The Temporal client, connecting now if needed; Unavailable when unreachable."""
        if self._client is None:
            try:
                self._client = await temporal.connect(self.settings)
            except RuntimeError as exc:
                raise _unavailable() from exc
        return self._client

    async def act(
        self,
        complaint_id: uuid.UUID,
        action: Action,
        body: ActionInput,
        *,
        update_id: str | None = None,
        wait: timedelta = UPDATE_TIMEOUT,
    ) -> LifecycleState:
        """Run an action as a Temporal Update; ActionNotAllowed or InvalidAction when refused.

        With `update_id` (e.g. a channel's message id) a redelivered message is the same
        Update: Temporal answers it with the first one's result instead of running it again.
        Past `wait` without an answer (no worker running) it is Unavailable."""
        handle = (await self.client()).get_workflow_handle(temporal.workflow_id(complaint_id))
        try:
            result: LifecycleState = await handle.execute_update(
                getattr(ComplaintLifecycle, action.update),  # the Update by method reference
                body,
                id=update_id,
                rpc_timeout=wait,
            )
            return result
        except RPCTimeoutOrCancelledError as exc:  # no worker took it in time
            raise _unavailable() from exc
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type == "InvalidAction":
                raise errors.InvalidAction(cause.message) from exc
            message = cause.message if isinstance(cause, ApplicationError) else str(cause)
            raise errors.ActionNotAllowed(message) from exc
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise errors.LifecycleNotRunning(
                    "this complaint's lifecycle has not started or has ended"
                ) from exc
            raise _unavailable() from exc

    async def forget(self, complaint_id: uuid.UUID) -> int:
        """Delete the complaint's lifecycle from Temporal, every run's history and search
        attributes (an erasure); Unavailable when Temporal cannot be reached."""
        try:
            return await temporal.delete_runs(
                await self.client(), temporal.workflow_id(complaint_id)
            )
        except RPCError as exc:
            raise _unavailable() from exc
