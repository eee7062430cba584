"""The whole stack for fault injection, as `aduan run` starts it, with its own data dir; the
three-node NATS cluster of deploy/nats/.

Fixtures only: FaultStack and what the fault tests check are in tests/support."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.faults import ACK_WAIT_S, FAULTS_POLICY, INTAKE_WORKERS, FaultStack
from tests.support.nats_cluster import Cluster
from tests.support.replicas import DELIVERY_LEASE_S, Replicas
from tests.support.stack import running_stack


@pytest.fixture(scope="package")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    # Escalations go to the mail sink (no Ombudsman URL); events a killed consumer held come
    # back after 10 s instead of a minute; intake runs two processes whatever the cores.
    with running_stack(
        tmp_path_factory.mktemp("fault-stack"),
        FAULTS_POLICY,
        FaultStack,
        ombudsman_url="",
        consumer_ack_wait_s=str(ACK_WAIT_S),
        intake_workers=str(INTAKE_WORKERS),
    ) as running:
        yield running


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """The three-node NATS cluster of deploy/nats/, each node taking connections."""
    running = Cluster(tmp_path)
    running.start_all()
    yield running
    running.stop_all()


@pytest.fixture
def replicas(tmp_path_factory: pytest.TempPathFactory, cluster: Cluster) -> Iterator[Replicas]:
    # A stack of its own on the cluster (its embedded NATS stays idle), at three replicas,
    # with one intake process per replica, plus a second copy of each process. A delivery
    # the killed notifier held is taken over after DELIVERY_LEASE_S, not two minutes.
    cluster.create_stream()
    with running_stack(
        tmp_path_factory.mktemp("replica-stack"),
        FAULTS_POLICY,
        FaultStack,
        ombudsman_url="",
        consumer_ack_wait_s=str(ACK_WAIT_S),
        intake_workers="1",
        nats_url=",".join(cluster.urls),
        stream_replicas="3",
        delivery_lease_s=str(DELIVERY_LEASE_S),
    ) as stack:
        both = Replicas(stack)
        try:
            both.start()
            yield both
        finally:
            both.stop()
