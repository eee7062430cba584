"""Entry points of every Aduan process, by name, as `aduan serve NAME` runs them."""

from __future__ import annotations

import asyncio
import ctypes
import importlib
import os
import shutil
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from fastapi import FastAPI

from aduan.adapters import bus, temporal
from aduan.adapters.passwords import generate_password, hash_password
from aduan.config import Settings, get_settings
from aduan.logs import configure_logging
from aduan.store import accounts, db
from aduan.web import ops

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


def _serve_intake_workers(settings: Settings, http: dict[str, Any]) -> None:
    # Several processes share intake's port, so a burst is parsed on every core. Each builds
    # its own app (pools, caches) from the environment, as uvicorn's workers must, and keeps
    # its metrics in files that /metrics sums (the folder is emptied first: a crashed run's
    # counts must not add up with this one's).
    metrics = settings.data_dir.resolve() / "metrics" / "intake"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    uvicorn.run(
        "aduan.processes:intake_worker",
        factory=True,
        workers=settings.intake_workers,
        port=settings.intake_port,
        **http,
    )


def intake_worker() -> FastAPI:
    """One of intake's processes (ADUAN_INTAKE_WORKERS > 1), tied to its parent's life."""
    die_with_parent()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, process="intake")
    return _http_app("intake", settings)[0]


def die_with_parent() -> None:
    """Linux: get SIGTERM when the parent process dies, even by kill -9 (intake's workers
    must not hold the port a restarted intake needs; the dev stack's servers and processes
    must not outlive `aduan run`)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before the line above took effect
        os.kill(os.getpid(), signal.SIGTERM)


# What each process without HTTP of its own needs before it can work: what its /readyz
# checks (ADUAN_OPS_PORT). Inbound mail answers 451 without PostgreSQL; the rest only waits.
NEEDS: dict[str, tuple[str, ...]] = {
    "routing": ("database", "nats"),
    "notification": ("database", "nats"),
    "worker": ("database", "nats", "temporal"),
    "relay": ("database", "nats"),
    "mailsink": (),
    "inbound-mail": ("database",),
}

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


def http_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves intake and desk: behind a proxy of ADUAN_TRUSTED_PROXIES (only),
    X-Forwarded-For names the client the rate limits count and the access log records."""
    return {
        "host": settings.host,
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
        "timeout_graceful_shutdown": 10,
    }


def serve(name: str, settings: Settings) -> None:
    """Run one process in the foreground until SIGTERM or SIGINT."""
    configure_logging(settings.log_level, settings.log_format, process=name)
    if name in ("intake", "desk"):
        http = http_options(settings)
        if name == "intake" and settings.intake_workers > 1:
            _serve_intake_workers(settings, http)
            return
        app, port = _http_app(name, settings)
        uvicorn.run(app, port=port, **http)
        return
    service = _service(name)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with ops.serving(settings, NEEDS[name]):
            await service(settings, stop)

    asyncio.run(main())


async def setup(settings: Settings) -> str | None:
    """`aduan setup`: create the database, apply migrations, ensure the JetStream stream and
    the lifecycles' search attributes. Idempotent: every start and each upgrade runs it.

    On a database without any staff account it creates `admin` with a random password and
    returns that password, to be shown once; None otherwise."""
    await db.ensure_database(settings.dsn)
    await asyncio.to_thread(db.migrate, settings.dsn)
    first_admin = await _first_admin(settings)
    nc = await bus.connect(settings.nats_servers, "aduan-setup")
    await bus.ensure_stream(nc.jetstream(), replicas=settings.stream_replicas)
    await nc.close()
    client = await temporal.connect(settings)
    await temporal.ensure_search_attributes(client)
    return first_admin


async def _first_admin(settings: Settings) -> str | None:
    password = generate_password()
    pool = await db.create_pool(settings.dsn)
    try:
        created = await accounts.add_first_admin(pool, hash_password(password))
    finally:
        await pool.close()
    return password if created else None
