"""Entry points of every Aduan process, by name, as `aduan serve NAME` runs them."""

from __future__ import annotations

import asyncio
import importlib
import signal
from collections.abc import Awaitable, Callable

import uvicorn
from fastapi import FastAPI

from aduan.adapters import bus, temporal
from aduan.config import Settings
from aduan.logs import configure_logging
from aduan.store import db

Service = Callable[[Settings, asyncio.Event], Awaitable[None]]


# Imported by name so that running one service does not import every other one.
_BACKGROUND = {
    "routing": "services.routing.consumer:run",
    "notification": "services.notification.consumer:run",
    "worker": "services.worker.main:run",
    "relay": "services.relay.main:run",
    "mailsink": "devtools.mailsink:run",
    "inbound-mail": "services.intake.mail.receiver:run",
}


def _service(name: str) -> Service:
    module, function = _BACKGROUND[name].split(":")
    service: Service = getattr(importlib.import_module(module), function)
    return service


def _http_app(name: str, settings: Settings) -> tuple[FastAPI, int]:
    if name == "intake":
        from services.intake.app import create_app as intake_app

        return intake_app(settings), settings.intake_port
    from services.desk.app import create_app as desk_app

    return desk_app(settings), settings.desk_port


PROCESS_NAMES = [
    "intake",
    "desk",
    "routing",
    "notification",
    "worker",
    "relay",
    "mailsink",
    "inbound-mail",
]


def serve(name: str, settings: Settings) -> None:
    """Run one process in the foreground until SIGTERM or SIGINT."""
    configure_logging(settings.log_level, settings.log_format, process=name)
    if name in ("intake", "desk"):
        app, port = _http_app(name, settings)
        # Behind a trusted proxy, X-Forwarded-For names the client the rate limits count.
        uvicorn.run(
            app,
            host=settings.host,
            port=port,
            log_config=None,
            access_log=False,
            proxy_headers=True,
            forwarded_allow_ips=settings.trusted_proxies,
        )
        return
    service = _service(name)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await service(settings, stop)

    asyncio.run(main())


async def setup(settings: Settings) -> None:
    """`aduan setup`: create the database, apply migrations, ensure the JetStream stream and
    the lifecycles' search attributes. Idempotent: every start and each upgrade runs it."""
    await db.ensure_database(settings.dsn)
    await asyncio.to_thread(db.migrate, settings.dsn)
    nc = await bus.connect(settings.nats_servers, "aduan-setup")
    await bus.ensure_stream(nc.jetstream(), replicas=settings.stream_replicas)
    await nc.close()
    client = await temporal.connect(settings.temporal_target, settings.temporal_namespace)
    await temporal.ensure_search_attributes(client)
