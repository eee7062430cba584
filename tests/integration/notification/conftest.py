"""A real SMTP sink, a stand-in Ombudsman endpoint, stand-in providers, and the notifier.

Fixtures only: the stand-ins' classes and the helpers that write lifecycles are in
tests/support/notification.py."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller

from aduan.config import Settings
from devtools import servers
from services.notification.consumer import Notifier
from services.notification.mailer import Mailer
from tests.support.notification import (
    OmbudsmanStub,
    Providers,
    ProviderStub,
    SmtpSink,
    make_settings,
)


@pytest.fixture(scope="session")
def providers() -> Iterator[Providers]:
    stubs = Providers(
        ProviderStub("/sms"),
        ProviderStub("/v21.0/1234567890/messages"),
        ProviderStub("/hooks/a"),
        ProviderStub("/hooks/b"),
    )
    by_path = {stub.path: stub for stub in vars(stubs).values()}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            stub = by_path.get(self.path)
            status, stall = stub.answer(dict(self.headers), body) if stub else (404, 0.0)
            time.sleep(stall)  # the scenario: a provider that answers late (0 s by default)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the caller gave up waiting: that is the point of a stall

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", servers.free_port()), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for stub in by_path.values():
        stub.url = base + stub.path
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield stubs
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=servers.free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def ombudsman_stub() -> Iterator[OmbudsmanStub]:
    stub = OmbudsmanStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = stub.answer(self.headers.get("Idempotency-Key", ""), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", servers.free_port()), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/laporan"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stub
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(
    pg_dsn: str, nats_url: str, smtp_sink: SmtpSink, ombudsman_stub: OmbudsmanStub
) -> Settings:
    return make_settings(pg_dsn, nats_url, smtp_sink.port, ombudsman_stub.url)


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
def notifier(settings: Settings, pool: asyncpg.Pool, http: httpx.AsyncClient) -> Notifier:
    return Notifier(settings, pool, Mailer.from_settings(settings), http)
