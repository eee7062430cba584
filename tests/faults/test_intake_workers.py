"""Intake as a process per core (ADUAN_INTAKE_WORKERS, default the cores): one port, figures
summed over the processes, and a killed intake leaves no process of it behind."""

from __future__ import annotations

import re

import httpx
import psutil
import pytest

from tests.support.faults import INTAKE_WORKERS, FaultStack
from tests.support.waiting import eventually

pytestmark = pytest.mark.faults


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:  # not listening yet
        return False


def _accepted(url: str) -> float:
    metrics = httpx.get(f"{url}/metrics/", timeout=10).text
    counts = re.findall(r'^aduan_complaints_accepted_total\{channel="api"\} (\S+)$', metrics, re.M)
    return sum(float(c) for c in counts)


def test_every_process_counts_in_metrics_and_a_kill_leaves_none_behind(
    faults: FaultStack,
) -> None:
    parent = faults.child("intake")
    assert parent is not None
    # uvicorn's workers (multiprocessing also starts its resource tracker beside them)
    workers = [c for c in parent.children() if "--multiprocessing-fork" in c.cmdline()]
    assert len(workers) == INTAKE_WORKERS

    before = _accepted(faults.intake_url)
    for i in range(12):  # a connection each, so the kernel spreads them over the processes
        answer = httpx.post(
            f"{faults.intake_url}/v1/complaints",
            json={"description": f"Air keruh di rumah nomor {i} sejak kemarin pagi."},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
    assert _accepted(faults.intake_url) - before == 12  # whichever process answers /metrics

    old_pid = faults.kill("intake")
    eventually(
        lambda: not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers),
        timeout=20,
        what="intake's worker processes to end with their parent",
    )
    faults.wait_restarted("intake", old_pid)
    eventually(lambda: _ready(faults.intake_url), timeout=60, what="the restarted intake")
