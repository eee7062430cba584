"""Errors as application/problem+json (RFC 9457): one place turns exceptions into answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)
MEDIA_TYPE = "application/problem+json"

# Raised when PostgreSQL cannot be reached: the request is refused with 503, not lost.
DATABASE_DOWN = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)
# Text PostgreSQL cannot hold or search for (a NUL in a path or query parameter): bad input.
UNSTORABLE_TEXT = (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError)


class FieldError(BaseModel):
    """One invalid field of a 422 answer."""

    field: str
    message: str


class ProblemDetails(BaseModel):
    """The body of every error answer (RFC 9457); some problems carry more members."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(examples=["about:blank"])
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what was wrong, for a person to read")
    errors: list[FieldError] = Field(
        default_factory=list, description="422 only: each invalid field"
    )


class Problem(Exception):
    """A domain error with its HTTP status; `detail` says what was wrong."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
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
    return await answer(request, invalid(errors))


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = problem_response(exc.status_code, str(exc.detail), str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


async def answer(_: Request, exc: Exception) -> JSONResponse:
    """The problem+json answer to a Problem (the handler apps register)."""
    assert isinstance(exc, Problem)
    response = problem_response(exc.status, exc.title, exc.detail, **exc.extra)
    response.headers.update(exc.headers)
    return response


async def _database_down(_: Request, exc: Exception) -> JSONResponse:
    log.warning("database.unavailable", error=type(exc).__name__)
    response = problem_response(
        503, "Service unavailable", "the complaint store is unreachable; try again shortly"
    )
    response.headers["Retry-After"] = "5"
    return response


async def _unstorable_text(_: Request, exc: Exception) -> JSONResponse:
    log.info("http.unstorable_text", error=type(exc).__name__)
    return problem_response(
        422,
        "Invalid request",
        "the request holds a character that cannot"
        " be stored or searched for, such as NUL (\\u0000)",
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("http.unexpected_error")
    return problem_response(500, "Internal error", "something went wrong on our side")


_REF = "#/components/schemas/Problem"
_MEANING = {
    400: "Malformed body: the JSON (or form) could not be parsed",
    401: "No valid staff bearer token: missing, forged, expired, or without role and unit",
    403: "The caller's role or unit may not do this",
    404: "Not found",
    409: "Refused: the complaint's state forbids it, or a key was reused with another body",
    413: "The body is over the size limit",
    415: "An attachment is not a JPEG, PNG, WebP, GIF or PDF file (judged by its bytes)",
    422: "Invalid input; `errors` names each invalid field",
    429: "Too many requests from this client address or contact; retry after `Retry-After`",
    507: "The attachment store is full: nothing was stored",
    503: "A dependency (PostgreSQL, Temporal, the identity provider) is unreachable; retry",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "Bearer",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {"Retry-After": {"description": "seconds", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "seconds", "schema": {"type": "string"}}},
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries (a route's `responses=`) for the problems a route may answer with."""
    return {status: _documented(status) for status in statuses}


def _documented(status: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "description": _MEANING[status],
        "content": {MEDIA_TYPE: {"schema": {"$ref": _REF}}},
    }
    if status in _HEADERS:
        entry["headers"] = _HEADERS[status]
    return entry


def _with_problems(document: dict[str, Any]) -> None:
    # What the app-wide handlers answer on any route: FastAPI's own 422 description is of a
    # body we never send, and every route with a body may meet malformed JSON or the limit.
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            answers = operation.setdefault("responses", {})
            statuses = [400, 413, 422] if "requestBody" in operation else [422]
            for status in statuses:
                current = answers.get(str(status))
                if current is None and status == 422 and "requestBody" not in operation:
                    continue  # FastAPI saw nothing to validate here
                if current is None or "HTTPValidationError" in str(current):
                    answers[str(status)] = _documented(status)
    if "HTTPValidationError" not in str(document.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


def _document(app: FastAPI) -> Callable[[], dict[str, Any]]:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _with_problems(build())
        assert app.openapi_schema is not None
        return app.openapi_schema

    return openapi


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json, and document them."""
    app.openapi = _document(app)  # type: ignore[method-assign]
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Problem, answer)
    for kind in DATABASE_DOWN:
        app.add_exception_handler(kind, _database_down)
    for kind in UNSTORABLE_TEXT:
        app.add_exception_handler(kind, _unstorable_text)
    app.add_exception_handler(Exception, _unexpected)
