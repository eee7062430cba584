"""Apps under test, served in-process or on a real port, and the problem+json they answer."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from devtools import servers


@asynccontextmanager
async def asgi_client(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app served in-process, its lifespan (pools, connections) entered."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client,
    ):
        yield client


@contextmanager
def serve(app: FastAPI, options: dict[str, Any] | None = None) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free port, for clients that speak real HTTP
    (browsers, third-party clients, schemathesis); yields its base URL, stops it afterwards.
    `options` are more of uvicorn's (`aduan.processes.http_options`: as production serves)."""
    port = servers.free_port()
    config: dict[str, Any] = {
        "host": "127.0.0.1",
        "log_config": None,  # leave the test process's logging as it is
        "access_log": False,
        **(options or {}),
    }
    server = uvicorn.Server(
        uvicorn.Config(app, port=port, log_level="warning", lifespan="on", **config)
    )
    thread = threading.Thread(target=server.run, name=f"served-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.02)  # the poll interval
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def assert_problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    """The answer is a problem+json of this status; its body."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    return body
