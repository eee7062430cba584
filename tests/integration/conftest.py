"""A worker for ComplaintLifecycle on the time-skipping server, for every integration test
that needs running lifecycles (the lifecycle tests, and intake's replies and webhooks); the
attachment store.

Fixtures only: Lifecycles and Complaint are in tests/support/lifecycle.py."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from aduan.adapters.attachments import AttachmentStore
from aduan.lifecycle.activities import LifecycleActivities
from aduan.lifecycle.runner import workflow_runner
from aduan.lifecycle.workflow import ComplaintLifecycle
from tests.support.lifecycle import DEFAULT_POLICY, Lifecycles
from tests.support.payload_keys import TEST_KEYRING


@pytest_asyncio.fixture
async def lifecycles(
    time_skipping_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> AsyncIterator[Lifecycles]:
    task_queue = f"lifecycle-{uuid.uuid4()}"
    activities = LifecycleActivities(pool, DEFAULT_POLICY)
    async with Worker(
        time_skipping_env.client,
        task_queue=task_queue,
        workflows=[ComplaintLifecycle],
        workflow_runner=workflow_runner(),
        activities=activities.all(),
    ):
        running = Lifecycles(
            time_skipping_env, time_skipping_env.client, task_queue, pool, activities
        )
        yield running
        # Workflows left waiting without a worker would stop the server from skipping time.
        for complaint in running.started:
            with contextlib.suppress(RPCError):
                await complaint.handle.terminate()


@pytest_asyncio.fixture
async def store(nats_url: str) -> AsyncIterator[AttachmentStore]:
    """The attachment store on the session's NATS, under the suite's payload key."""
    attachments = AttachmentStore([nats_url], TEST_KEYRING)
    yield attachments
    await attachments.close()
