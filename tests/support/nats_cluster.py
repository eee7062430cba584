"""The production NATS shape (deploy/nats/) on free ports: three nodes, the stream at three
replicas, and the means to find and kill the stream's leader."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
from pathlib import Path

import nats
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.domain.events import STREAM
from devtools import servers
from tests.support.waiting import wait_until

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nats"


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
        """Start (or start again) one node by its server name."""
        self.processes[name] = servers.spawn(
            [servers.nats_binary(), "-c", str(self.configs[name])],
            log=self.configs[name].with_suffix(".log"),
        )

    def start_all(self) -> None:
        """Start the three nodes; return once each takes connections."""
        for name in self.configs:
            self.start(name)
        for port, process in zip(self.client_ports, self.processes.values(), strict=True):
            servers.wait_for_port(port, 30, process, "nats-server")

    def stop_all(self) -> None:
        """Stop every node still running."""
        for process in self.processes.values():
            servers.stop(process)

    def kill(self, name: str) -> None:
        """SIGKILL one node, as a lost machine would go."""
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(10)

    def create_stream(self) -> None:
        """Create the event stream at 3 replicas, from synchronous code, once the nodes have
        elected their meta leader (`aduan setup` tries once, and a start fails with it)."""

        async def create() -> None:
            client = await bus.connect(self.urls, "cluster-setup")
            try:
                await ensure_replicated_stream(client.jetstream())
            finally:
                await client.close()

        asyncio.run(create())

    @property
    def urls(self) -> list[str]:
        """Every node's client URL, as ADUAN_NATS_URL lists them."""
        return [f"nats://127.0.0.1:{port}" for port in self.client_ports]


async def ensure_replicated_stream(js: JetStreamContext) -> None:
    """Create the event stream at 3 replicas once the cluster has elected its meta leader."""

    async def made() -> bool:
        try:
            await bus.ensure_stream(js, replicas=3)
        except Exception:  # no meta leader elected yet
            return False
        return True

    await wait_until(made, timeout=60, interval=0.5, what="the replicated stream")


async def stream_leader(urls: list[str]) -> str:
    """The server name of the node that leads the event stream now."""
    client = await nats.connect(urls, connect_timeout=3, max_reconnect_attempts=1)
    try:
        info = await client.jetstream().stream_info(STREAM)
    finally:
        await client.close()
    assert info.cluster is not None and info.cluster.leader, info.cluster
    return info.cluster.leader
