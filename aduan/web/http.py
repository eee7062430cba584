"""What every Aduan HTTP process shares: body limit, health, readiness, metrics, and the
short cache of public reads."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Hashable
from typing import Annotated, Any, Generic, TypeVar

import structlog
from fastapi import APIRouter, FastAPI, Path
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY, CollectorRegistry, make_asgi_app, multiprocess
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aduan.config import Settings
from aduan.domain import errors, signing
from aduan.web import problems
from aduan.web.problems import problem_response, responses

log = structlog.get_logger(__name__)
Check = Callable[[], Awaitable[None]]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413 before the application reads them; paths
    matching `upload_paths` (file uploads) may send up to `upload_bytes`."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, upload_paths: str = "", upload_bytes: int = 0
    ) -> None:
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
        response = problem_response(errors.TooLarge(f"the body is over the limit of {limit} bytes"))
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
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = scope.get("route")
                log.info(
                    "http.request",
                    method=scope["method"],
                    route=getattr(route, "path", "unmatched"),
                    status=status,
                    duration_ms=round((time.perf_counter() - began) * 1000, 1),
                )


def operations_router(checks: dict[str, Check]) -> APIRouter:
    """`/healthz` (alive) and `/readyz` (each dependency answered its check)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", responses=responses(503))
    async def readyz() -> JSONResponse:
        # All at once: a probe waits for the slowest dependency, not for the sum of them.
        outcomes = await asyncio.gather(
            *(check() for check in checks.values()), return_exceptions=True
        )
        failed = {
            name: type(outcome).__name__
            for name, outcome in zip(checks, outcomes, strict=True)
            if isinstance(outcome, BaseException)
        }
        if failed:
            return problem_response(
                errors.Unavailable(
                    f"unreachable: {', '.join(failed)}",
                    title="Not ready",
                    retry_after=None,
                    checks=failed,
                )
            )
        return JSONResponse({"status": "ready", "checks": {name: "ok" for name in checks}})

    @router.get("/problems", tags=["problems"])
    async def problem_types() -> list[dict[str, Any]]:
        """Every problem `type` an answer may carry: code, title, status, meaning."""
        return problems.catalogue()

    @router.get("/problems/{code}", tags=["problems"], responses=responses(404))
    async def problem_type(code: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
        """What one problem `type` means (the target of every problem's `type` URI)."""
        return problems.describe(code)

    return router


class MetricsGate:
    """/metrics for operators only: `Authorization: Bearer <ADUAN_METRICS_TOKEN>`; without a
    token set, loopback clients outside production, and nobody in production."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.token = app, settings.metrics_token
        self.production = settings.environment == "production"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self._refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        if self.token:
            given = dict(scope["headers"]).get(b"authorization", b"")
            scheme, _, credentials = given.partition(b" ")
            if scheme.lower() == b"bearer" and signing.matches(credentials.strip(), self.token):
                return None
            return problem_response(
                errors.Unauthenticated(
                    "Metrik hanya untuk operator: kirim token metrik. / "
                    "Metrics are for operators: send the metrics bearer token.",
                    challenge="Bearer",
                )
            )
        if not self.production and _loopback(scope.get("client")):
            return None
        return problem_response(
            errors.Forbidden(
                "Metrik tertutup: setel ADUAN_METRICS_TOKEN. / "
                "Metrics are closed: set ADUAN_METRICS_TOKEN."
            )
        )


def _loopback(client: tuple[str, int] | None) -> bool:
    try:
        return client is not None and ipaddress.ip_address(client[0]).is_loopback
    except ValueError:  # a name, not an address (test clients): not loopback
        return False


def add_operations(
    app: FastAPI,
    settings: Settings,
    checks: dict[str, Check],
    max_body_bytes: int,
    *,
    upload_paths: str = "",
    upload_bytes: int = 0,
) -> None:
    """Health, readiness, Prometheus metrics (for operators only) and the body limit."""
    app.include_router(operations_router(checks))
    app.mount("/metrics", MetricsGate(make_asgi_app(_registry()), settings))
    app.add_middleware(
        BodyLimit, max_bytes=max_body_bytes, upload_paths=upload_paths, upload_bytes=upload_bytes
    )
    app.add_middleware(RequestLog)


def _registry() -> CollectorRegistry:
    # Several processes behind one port (ADUAN_INTAKE_WORKERS) write their figures to files
    # (PROMETHEUS_MULTIPROC_DIR); /metrics sums them, whichever process answers.
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY  # the process's own
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class ReadCache(Generic[K, V]):
    """Answers of public reads kept `ttl` seconds, at most `size` of them (the oldest go
    first): a burst of one read costs one computation, and callers arriving while it runs
    wait for it rather than start their own (no stampede)."""

    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._entries: dict[K, tuple[float, asyncio.Future[V]]] = {}

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The value of `key`: fresh from the cache, or being computed, or computed now."""
        now = self.clock()
        entry = self._entries.get(key)
        computing: asyncio.Future[V]
        if entry is None or entry[0] <= now:
            computing = asyncio.ensure_future(compute())
            self._keep(key, now + self.ttl, computing)
        else:
            computing = entry[1]
        # Shielded: a caller that goes away (a client hanging up) cancels nobody else's answer.
        return await asyncio.shield(computing)

    def _keep(self, key: K, expires: float, computing: asyncio.Future[V]) -> None:
        self._entries.pop(key, None)
        while len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (expires, computing)
        computing.add_done_callback(lambda done: self._drop_failure(key, done))

    def _drop_failure(self, key: K, done: asyncio.Future[V]) -> None:
        # A failure (the database away) is not kept: the next caller tries again.
        if done.cancelled() or done.exception() is not None:
            if self._entries.get(key, (0.0, None))[1] is done:
                del self._entries[key]


def app_cache(app: FastAPI, name: str, ttl: float, size: int) -> ReadCache[Any, Any]:
    """The app's read cache `name`, made on first use: one per app, as each app may have its
    own database (tests run several)."""
    caches: dict[str, ReadCache[Any, Any]] | None = getattr(app.state, "read_caches", None)
    if caches is None:
        caches = app.state.read_caches = {}
    if name not in caches:
        caches[name] = ReadCache(ttl, size)
    return caches[name]
