"""`/healthz`, `/readyz` and `/metrics` of the processes without HTTP of their own (routing,
notification, worker, relay, inbound-mail), on ADUAN_OPS_PORT: what Kubernetes probes and
Prometheus scrapes. Served in the process's own event loop, so a loop that no longer turns
fails its liveness probe."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Iterator

import asyncpg
import uvicorn
from fastapi import FastAPI
from nats.aio.client import Client as NATS
from prometheus_client import REGISTRY, make_asgi_app
from temporalio.client import Client

from aduan.adapters import bus, temporal
from aduan.config import Settings
from aduan.store import db
from aduan.web.http import Check, MetricsGate, operations_router

CHECK_TIMEOUT_S = 3.0  # under the probes' timeout (deploy/k8s), so a check fails, not the probe
DEPENDENCIES = ("database", "nats", "temporal")


class Dependencies:
    """What a process needs to work, checked over connections made on the first check and
    kept: a readiness probe costs a round trip, not a new connection."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: asyncpg.Pool | None = None
        self._nats: NATS | None = None
        self._temporal: Client | None = None

    async def database(self) -> None:
        """PostgreSQL answers a query."""
        if self._pool is None:
            self._pool = await db.create_pool(self.settings.dsn, min_size=0, max_size=1)
        await asyncio.wait_for(self._pool.fetchval("SELECT 1"), CHECK_TIMEOUT_S)

    async def nats(self) -> None:
        """A NATS server of ADUAN_NATS_URL answers a round trip."""
        if self._nats is None:
            self._nats = await asyncio.wait_for(
                bus.connect(self.settings.nats_servers, "aduan-ops"), CHECK_TIMEOUT_S
            )
        await self._nats.flush(timeout=int(CHECK_TIMEOUT_S))

    async def temporal(self) -> None:
        """Temporal's frontend answers its health check."""
        if self._temporal is None:
            self._temporal = await asyncio.wait_for(
                temporal.connect(self.settings), CHECK_TIMEOUT_S
            )
        await asyncio.wait_for(self._temporal.service_client.check_health(), CHECK_TIMEOUT_S)

    def checks(self, names: Iterable[str]) -> dict[str, Check]:
        """The checks of `names` (of DEPENDENCIES), in that order."""
        known: dict[str, Check] = {
            "database": self.database,
            "nats": self.nats,
            "temporal": self.temporal,
        }
        return {name: known[name] for name in names}

    async def close(self) -> None:
        """Close what the checks opened."""
        if self._pool is not None:
            await self._pool.close()
        if self._nats is not None:
            await self._nats.close()


def ops_app(settings: Settings, checks: dict[str, Check]) -> FastAPI:
    """Health, readiness and the process's metrics (for operators only, as on intake)."""
    app = FastAPI(title="Aduan ops", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(operations_router(checks))
    app.mount("/metrics", MetricsGate(make_asgi_app(REGISTRY), settings))
    return app


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The process handles SIGTERM itself: its service drains first, this server stops
        # after it (so the pod stays alive to its probes while it drains).
        yield


@contextlib.asynccontextmanager
async def serving(settings: Settings, needs: Iterable[str]) -> AsyncIterator[None]:
    """Serve the ops endpoints on ADUAN_OPS_PORT while the block runs, /readyz checking
    `needs`; nothing when the port is 0 (`aduan run`, whose processes share one host)."""
    if not settings.ops_port:
        yield
        return
    dependencies = Dependencies(settings)
    config = uvicorn.Config(
        ops_app(settings, dependencies.checks(needs)),
        host=settings.host,
        port=settings.ops_port,
        log_config=None,
        access_log=False,
        lifespan="off",
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        yield
    finally:
        server.should_exit = True
        await serving
        await dependencies.close()
