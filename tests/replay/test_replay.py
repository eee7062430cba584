"""Every recorded lifecycle history replays with today's code.

A change that would break running complaints (non-determinism) fails here; put such a
change behind `workflow.patched` and record new histories with `python -m tests.replay.record`.
Histories recorded before payload encryption replay through the codec's pass-through; those
recorded since are encrypted under the suite's test key (tests/support/payload_keys.py).
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from aduan.adapters import temporal
from aduan.adapters.payload_codec import ENCODING
from aduan.lifecycle.runner import workflow_runner
from aduan.lifecycle.workflow import ComplaintLifecycle
from tests.support.payload_keys import TEST_KEYRING
from tests.support.scenarios import INDEXED_SCENARIOS, SCENARIOS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_path_has_a_recorded_history() -> None:
    assert {path.name.split(".")[0] for path in HISTORIES} == {*SCENARIOS, *INDEXED_SCENARIOS}


def test_histories_from_before_and_after_encryption_are_both_kept() -> None:
    encrypted = base64.b64encode(ENCODING).decode()  # as the JSON holds metadata values
    kept = {path.name: encrypted in path.read_text() for path in HISTORIES}
    assert kept["answered_then_auto_closed.v3.json"] is False
    assert kept["answered_then_auto_closed.v4.json"] is True


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_with_the_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    replayer = Replayer(
        workflows=[ComplaintLifecycle],
        workflow_runner=workflow_runner(),
        # Histories recorded before encryption pass through the codec; later ones (recorded
        # under the test key) are decrypted by it.
        data_converter=temporal.data_converter(TEST_KEYRING),
    )
    await replayer.replay_workflow(history)
