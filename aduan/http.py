"""What every Aduan HTTP process shares: body limit, health, readiness and metrics."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aduan.problems import problem_response, responses

log = structlog.get_logger(__name__)
Check = Callable[[], Awaitable[None]]


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413 before the application reads them; paths
    matching `upload_paths` (file uploads) may send up to `upload_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_paths: str = "",
                 upload_bytes: int = 0) -> None:
        self.app, self.default_bytes = app, max_bytes
        self.upload_paths = re.compile(upload_paths) if upload_paths else None
        self.upload_bytes = max(upload_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        uploading = self.upload_paths is not None and self.upload_paths.fullmatch(scope["path"])
        limit = self.upload_bytes if uploading else self.default_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413, "Request too large", f"the body is over the limit of {limit} bytes"
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class RequestLog:
    """Bind a request id for every log line of a request, and log its outcome (no bodies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = dict(scope["headers"]).get(b"x-request-id", b"").decode()[:64]
        request_id = request_id or uuid.uuid4().hex
        status = 500
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = scope.get("route")
                log.info("http.request", method=scope["method"],
                         route=getattr(route, "path", "unmatched"), status=status,
                         duration_ms=round((time.perf_counter() - began) * 1000, 1))


def operations_router(checks: dict[str, Check]) -> APIRouter:
    """`/healthz` (alive) and `/readyz` (each dependency answered its check)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", responses=responses(503))
    async def readyz() -> JSONResponse:
        failed = {}
        for name, check in checks.items():
            try:
                await check()
            except Exception as exc:
                failed[name] = type(exc).__name__
        if failed:
            return problem_response(503, "Not ready", f"unreachable: {', '.join(failed)}",
                                    checks=failed)
        return JSONResponse({"status": "ready", "checks": {name: "ok" for name in checks}})

    return router


def add_operations(app: FastAPI, checks: dict[str, Check], max_body_bytes: int, *,
                   upload_paths: str = "", upload_bytes: int = 0) -> None:
    """Health, readiness, Prometheus metrics and the body limit, for any Aduan app."""
    app.include_router(operations_router(checks))
    app.mount("/metrics", make_asgi_app())
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes, upload_paths=upload_paths,
                       upload_bytes=upload_bytes)
    app.add_middleware(RequestLog)
