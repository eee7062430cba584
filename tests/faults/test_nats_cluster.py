"""The production NATS shape (deploy/nats/): kill the stream leader under load, lose nothing."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from aduan.adapters import bus
from aduan.domain.events import RECEIVED, STREAM, Event, new_event
from devtools import servers
from tests.support.waiting import wait_until

pytestmark = pytest.mark.faults
DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nats"
EVENTS = 300


class Cluster:
    """Three nats-servers from the shipped configs, moved to free ports and a temp folder."""

    def __init__(self, root: Path) -> None:
        self.client_ports = [servers.free_port() for _ in range(3)]
        routes = [servers.free_port() for _ in range(3)]
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.configs: dict[str, Path] = {}
        for i in range(3):
            text = (DEPLOY / f"node-{i + 1}.conf").read_text()
            text = text.replace(f"127.0.0.1:{14222 + i}", f"127.0.0.1:{self.client_ports[i]}")
            text = re.sub(r"^http: .*$", f"http: 127.0.0.1:{servers.free_port()}", text, flags=re.M)
            for n, port in enumerate(routes):
                text = text.replace(f"127.0.0.1:{16222 + n}", f"127.0.0.1:{port}")
            text = text.replace(".aduan/nats-cluster", str(root / "store"))
            name = f"aduan-nats-{i + 1}"
            self.configs[name] = root / f"node-{i + 1}.conf"
            self.configs[name].write_text(text)
            assert "sync_interval: always" in text  # the durability the shipped shape promises

    def start(self, name: str) -> None:
        self.processes[name] = servers.spawn(
            [servers.nats_binary(), "-c", str(self.configs[name])],
            log=self.configs[name].with_suffix(".log"),
        )

    @property
    def urls(self) -> list[str]:
        return [f"nats://127.0.0.1:{port}" for port in self.client_ports]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path)
    for name in running.configs:
        running.start(name)
    for port, process in zip(running.client_ports, running.processes.values(), strict=True):
        servers.wait_for_port(port, 30, process, "nats-server")
    yield running
    for process in running.processes.values():
        servers.stop(process)


async def _publish_until_acked(js: nats.js.JetStreamContext, event: Event) -> None:
    """What the relay does: the same event, same Nats-Msg-Id, until JetStream acknowledges."""
    while True:
        try:
            await bus.publish(js, event)
            return
        except Exception:  # leader election in progress: no responders, timeouts
            await asyncio.sleep(0.2)  # the relay's pause before it publishes again


async def test_killing_the_stream_leader_under_load_loses_and_duplicates_nothing(
    cluster: Cluster,
) -> None:
    client = await bus.connect(cluster.urls, "cluster-test")
    js = client.jetstream()

    async def stream_made() -> bool:
        try:
            await bus.ensure_stream(js, replicas=3)
        except Exception:  # no meta leader elected yet
            return False
        return True

    await wait_until(stream_made, timeout=60, interval=0.5, what="the replicated stream")
    events = [
        new_event("received", uuid.uuid4(), datetime.now(UTC), {"n": n}) for n in range(EVENTS)
    ]
    for event in events[: EVENTS // 3]:
        await _publish_until_acked(js, event)

    leader = (await js.stream_info(STREAM)).cluster.leader  # type: ignore[union-attr]
    assert leader in cluster.processes
    cluster.processes[leader].send_signal(signal.SIGKILL)
    # An event the old leader may have stored but not acknowledged is sent again, as the
    # relay would: the duplicate window must drop it.
    await _publish_until_acked(js, events[EVENTS // 3 - 1])
    for event in events[EVENTS // 3 :]:
        await _publish_until_acked(js, event)
    cluster.start(leader)  # the killed node comes back and catches up

    async def subscribed() -> JetStreamContext.PullSubscription | None:
        try:
            return await js.pull_subscribe(
                RECEIVED, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, num_replicas=1)
            )
        except (nats.errors.Error, TimeoutError):  # the cluster is still taking its node back
            return None

    sub = await wait_until(subscribed, timeout=60, interval=0.5, what="a consumer on the cluster")
    seen: list[str] = []
    while len(seen) < EVENTS + 5:
        try:
            batch = await sub.fetch(100, timeout=3)
        except (nats.errors.TimeoutError, TimeoutError):
            break
        for message in batch:
            seen.append(str(Event.model_validate_json(message.data).id))
            await message.ack()
    await client.close()
    assert len(seen) == len(set(seen)), "an event was stored twice"
    assert set(seen) == {str(e.id) for e in events}, "an acknowledged event was lost"
