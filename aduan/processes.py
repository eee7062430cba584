"""Entry points of every Aduan process, by name, as `aduan serve NAME` runs them."""

from __future__ import annotations

import asyncio
import importlib
import signal
from collections.abc import Awaitable, Callable

import uvicorn
from fastapi import FastAPI

from aduan import bus, db, mailsink
from aduan.config import Settings
from aduan.logs import configure_logging
from aduan.outbox import Relay

Service = Callable[[Settings, asyncio.Event], Awaitable[None]]


async def run_relay(settings: Settings, stop: asyncio.Event) -> None:
    """Publish the outbox to JetStream until stopped."""
    pool = await db.create_pool(settings.dsn, min_size=1, max_size=4)
    nc = await bus.connect(settings.nats_servers, "aduan-relay")
    await Relay(pool, nc.jetstream()).run(stop)
    await nc.drain()
    await pool.close()


async def run_mailsink(settings: Settings, stop: asyncio.Event) -> None:
    """The local SMTP sink, storing mail under the data folder."""
    await mailsink.serve(settings.data_dir / "mail", settings.smtp_host, settings.smtp_port, stop)


# Imported by name so that running one service does not import every other one.
_BACKGROUND = {
    "routing": "services.routing.consumer:run",
    "notification": "services.notification.consumer:run",
    "worker": "workflows.worker:run",
    "relay": "aduan.processes:run_relay",
    "mailsink": "aduan.processes:run_mailsink",
    "inbound-mail": "services.intake.mail:run",
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
