"""Withdrawing: before a complainant's data is erased, an open complaint is closed as
withdrawn through its own lifecycle, its deadlines stopped."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError

from aduan.lifecycle.models import AcknowledgeInput, WithdrawInput
from aduan.lifecycle.workflow import ComplaintLifecycle
from tests.support.lifecycle import Lifecycles

WITHDRAW = WithdrawInput(actor="rights-admin", reason="erasure: permintaan pelapor")


async def test_an_open_complaint_is_withdrawn_at_once_and_misses_nothing_after(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("standard")
    await complaint.handle.execute_update(
        ComplaintLifecycle.acknowledge, AcknowledgeInput(actor="ani")
    )

    state = await complaint.handle.execute_update(ComplaintLifecycle.withdraw, WITHDRAW)

    assert (state.status, state.outcome) == ("closed", "withdrawn")
    [closed] = await complaint.events("closed")
    assert closed["data"]["outcome"] == "withdrawn"
    with pytest.raises(WorkflowUpdateFailedError):  # closed: withdrawing again is refused
        await complaint.handle.execute_update(ComplaintLifecycle.withdraw, WITHDRAW)
    await lifecycles.skip(days=30)  # the resolution deadline passes: nobody is told it missed
    assert await complaint.events("deadline_missed") == []
