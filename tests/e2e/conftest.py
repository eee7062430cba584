"""The whole stack, started the way `make run` starts it, with a policy in seconds.

Fixtures only: Stack, running_stack and the other helpers are in tests/support/stack.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support.stack import E2E_POLICY, OPEN311_KEY, Ombudsman, Stack, running_stack


@pytest.fixture(scope="session")
def ombudsman() -> Iterator[Ombudsman]:
    received = Ombudsman(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.dossiers.append(json.loads(body))
            received.keys.append(self.headers.get("Idempotency-Key", ""))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received.url = f"http://127.0.0.1:{server.server_port}/laporan"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield received
    server.shutdown()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, ombudsman: Ombudsman) -> Iterator[Stack]:
    with running_stack(
        tmp_path_factory.mktemp("stack"),
        E2E_POLICY,
        Stack,
        ombudsman_url=ombudsman.url,
        open311_api_keys=OPEN311_KEY,
    ) as running:
        yield running
