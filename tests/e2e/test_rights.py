"""An erasure on the running system reaches Temporal: the complainant's lifecycle leaves it,
history and search attributes, and nothing Temporal shows in clear ever named them."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from temporalio.service import RPCError, RPCStatusCode

from aduan.adapters import temporal
from tests.support.retention import Person, columns_holding, new_person
from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def _visible(stack: Stack, workflow: str) -> list[str]:
    """What Temporal shows of the workflow's runs without the payload keys: ids, types,
    search attributes and memo, as text; empty once no run is left."""

    async def read() -> list[str]:
        client = await temporal.connect(stack.temporal_settings())
        shown = []
        async for run in client.list_workflows(f'WorkflowId = "{workflow}"'):
            described = await client.get_workflow_handle(workflow, run_id=run.run_id).describe()
            info = described.raw_description.workflow_execution_info
            shown.append(f"{info.search_attributes} {info.memo} {run.workflow_type}")
        return shown

    return asyncio.run(read())


def _gone(stack: Stack, workflow: str) -> bool:
    async def describe() -> bool:
        client = await temporal.connect(stack.temporal_settings())
        try:
            await client.get_workflow_handle(workflow).describe()
        except RPCError as exc:
            return exc.status == RPCStatusCode.NOT_FOUND
        return False

    return asyncio.run(describe()) and not _visible(stack, workflow)


def _columns_holding(stack: Stack, person: Person) -> dict[str, list[str]]:
    async def search() -> dict[str, list[str]]:
        async with asyncpg.create_pool(stack.dsn, min_size=1, max_size=1) as pool:
            return {m: await columns_holding(pool, m) for m in person.markers}

    return asyncio.run(search())


def test_an_erased_complainant_leaves_no_trace_in_temporal(stack: Stack) -> None:
    siti = new_person()
    body: dict[str, Any] = {
        "description": f"Tagihan air naik dua kali lipat. {siti.text}",
        "channel": "web",
        "complainant": {"name": siti.name, "email": siti.email, "phone": siti.phone},
    }
    answer = stack.intake.post("/v1/complaints", json=body)
    assert answer.status_code == 201, answer.text
    workflow = temporal.workflow_id(answer.json()["id"])

    def routed() -> list[str] | None:
        shown = _visible(stack, workflow)
        return shown if shown and "AduanUnit" in shown[0] else None

    # While it runs, what Temporal keeps in clear names the handling, never the person.
    for shown in eventually(routed, timeout=60, what="the lifecycle routed and indexed"):
        for marker in siti.markers:
            assert marker not in shown, marker

    erased = stack.desk.post(
        "/v1/staff/rights/erase",
        json={"email": siti.email, "reason": "permintaan pelapor"},
    )
    assert erased.status_code == 200, erased.text
    assert erased.json() == {"erased": 1}

    eventually(lambda: _gone(stack, workflow), timeout=30, what="the lifecycle deleted")
    assert _columns_holding(stack, siti) == {m: [] for m in siti.markers}
