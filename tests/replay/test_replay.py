"""Every recorded lifecycle history replays with today's code.

A change that would break running complaints (non-determinism) fails here; put such a
change behind `workflow.patched` and record new histories with `python -m tests.replay.record`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from aduan.lifecycle.runner import workflow_runner
from aduan.lifecycle.workflow import ComplaintLifecycle
from tests.support.scenarios import INDEXED_SCENARIOS, SCENARIOS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_path_has_a_recorded_history() -> None:
    assert {path.name.split(".")[0] for path in HISTORIES} == {*SCENARIOS, *INDEXED_SCENARIOS}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_with_the_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    replayer = Replayer(
        workflows=[ComplaintLifecycle],
        workflow_runner=workflow_runner(),
        data_converter=pydantic_data_converter,
    )
    await replayer.replay_workflow(history)
