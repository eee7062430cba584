"""Errors as application/problem+json (RFC 9457): the one place domain errors become answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from aduan.domain import errors
from aduan.domain.errors import AduanError
from aduan.store.db import DATABASE_DOWN, UNSTORABLE_TEXT

log = structlog.get_logger(__name__)
MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One invalid field of a 422 answer."""

    field: str
    message: str


# The answer each domain error gets; a subclass not listed takes its nearest listed base's.
STATUS: dict[type[AduanError], int] = {
    errors.Malformed: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.ActionNotAllowed: 409,
    errors.LifecycleNotRunning: 409,
    errors.IdempotencyConflict: 409,
    errors.AttachmentRefused: 409,
    errors.AttachmentTooLarge: 413,
    errors.TooLarge: 413,
    errors.UnsupportedAttachment: 415,
    errors.InvalidInput: 422,
    errors.InvalidAction: 422,
    errors.TooManyAttachments: 422,
    errors.RateLimited: 429,
    errors.Internal: 500,
    errors.Unavailable: 503,
    errors.StoreFull: 507,
}
# Problem types are URI references relative to the API: /problems/<code>, which every app
# answers with the code's title, status and meaning (GET /problems lists them all).
TYPE_PREFIX = "/problems/"


def _kinds(base: type[AduanError]) -> list[type[AduanError]]:
    return [base, *(kind for sub in base.__subclasses__() for kind in _kinds(sub))]


_BY_CODE = {kind.code: kind for kind in _kinds(AduanError) if kind is not AduanError}
# Starlette's own refusals (no such route, wrong method) by status.
_HTTP_CODES = {404: errors.NotFound.code, 405: "method-not-allowed"}


class ProblemDetails(BaseModel):
    """The body of every error answer (RFC 9457); some problems carry more members."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(
        examples=["/problems/not-found"],
        description="`/problems/<code>`: the stable code to branch on, one of "
        + ", ".join(f"`{code}`" for code in sorted(_BY_CODE)),
    )
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what was wrong, for a person to read")
    errors: list[FieldError] = Field(
        default_factory=list, description="422 only: each invalid field"
    )


def status_of(error: AduanError) -> int:
    """The HTTP status a domain error is answered with."""
    return _status(type(error))


def _status(kind: type[AduanError]) -> int:
    # A class not listed is answered as its nearest listed base.
    return next((STATUS[k] for k in kind.__mro__ if k in STATUS), 500)


def problem_response(error: AduanError) -> JSONResponse:
    """The problem+json answer to a domain error, with Retry-After or WWW-Authenticate."""
    status = status_of(error)
    body = _body(error.code, error.instance_title, status, error.detail) | error.extra
    response = JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, errors.Unauthenticated) and error.challenge:
        response.headers["WWW-Authenticate"] = error.challenge
    return response


def _body(code: str | None, title: str, status: int, detail: str) -> dict[str, Any]:
    kind = TYPE_PREFIX + code if code else "about:blank"
    return {"type": kind, "title": title, "status": status, "detail": detail}


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    if any(error["type"] == "json_invalid" for error in found):
        return problem_response(errors.Malformed("the request body is not valid JSON"))
    return problem_response(errors.InvalidInput.fields(found))


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = str(exc.detail)
    body = _body(_HTTP_CODES.get(exc.status_code), detail, exc.status_code, detail)
    response = JSONResponse(body, status_code=exc.status_code, media_type=MEDIA_TYPE)
    response.headers.update(exc.headers or {})
    return response


async def answer(_: Request, exc: Exception) -> JSONResponse:
    """The problem+json answer to a domain error (the handler apps register)."""
    assert isinstance(exc, AduanError)
    return problem_response(exc)


async def _database_down(_: Request, exc: Exception) -> JSONResponse:
    log.warning("database.unavailable", error=type(exc).__name__)
    return problem_response(
        errors.Unavailable("the complaint store is unreachable; try again shortly")
    )


async def _unstorable_text(_: Request, exc: Exception) -> JSONResponse:
    log.info("http.unstorable_text", error=type(exc).__name__)
    return problem_response(
        errors.InvalidInput(
            "the request holds a character that cannot"
            " be stored or searched for, such as NUL (\\u0000)"
        )
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("http.unexpected_error")
    return problem_response(errors.Internal("something went wrong on our side"))


def catalogue() -> list[dict[str, Any]]:
    """Every problem type: code, title, status and what it means (GET /problems)."""
    return [describe(code) for code in sorted(_BY_CODE)]


def describe(code: str) -> dict[str, Any]:
    """One problem type's documentation; NotFound when there is no such code."""
    kind = _BY_CODE.get(code)
    if kind is None:
        raise errors.NotFound(f"there is no problem type {code!r}")
    meaning = " ".join((kind.__doc__ or "").split())
    return {
        "type": TYPE_PREFIX + code,
        "code": code,
        "title": kind.title,
        "status": _status(kind),
        "meaning": meaning,
    }


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
    codes = sorted(code for code, kind in _BY_CODE.items() if _status(kind) == status)
    types = "; `type`: " + ", ".join(f"`{TYPE_PREFIX}{code}`" for code in codes) if codes else ""
    entry: dict[str, Any] = {
        "description": _MEANING[status] + types,
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
    app.add_exception_handler(AduanError, answer)
    for kind in DATABASE_DOWN:
        app.add_exception_handler(kind, _database_down)
    for kind in UNSTORABLE_TEXT:
        app.add_exception_handler(kind, _unstorable_text)
    app.add_exception_handler(Exception, _unexpected)
