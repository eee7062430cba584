"""Errors as application/problem+json (RFC 9457): one place turns exceptions into answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)
MEDIA_TYPE = "application/problem+json"

# Raised when PostgreSQL cannot be reached: the request is refused with 503, not lost.
DATABASE_DOWN = (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                 asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError)


class Problem(Exception):
    """A domain error with its HTTP status; `detail` says what was wrong."""

    def __init__(self, status: int, title: str, detail: str, *,
                 headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra
        self.headers = dict(headers or {})


def problem_response(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


def invalid(errors: Sequence[Mapping[str, Any]]) -> Problem:
    """A 422 problem listing each invalid field (pydantic's error list)."""
    fields = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return Problem(422, "Invalid request", detail, errors=fields)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        return problem_response(400, "Malformed JSON", "the request body is not valid JSON")
    return await _problem(request, invalid(errors))


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = problem_response(exc.status_code, str(exc.detail), str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


async def _problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    response = problem_response(exc.status, exc.title, exc.detail, **exc.extra)
    response.headers.update(exc.headers)
    return response


async def _database_down(_: Request, exc: Exception) -> JSONResponse:
    log.warning("database.unavailable", error=type(exc).__name__)
    response = problem_response(503, "Service unavailable",
                                "the complaint store is unreachable; try again shortly")
    response.headers["Retry-After"] = "5"
    return response


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("http.unexpected_error")
    return problem_response(500, "Internal error", "something went wrong on our side")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Problem, _problem)
    for kind in DATABASE_DOWN:
        app.add_exception_handler(kind, _database_down)
    app.add_exception_handler(Exception, _unexpected)
