"""Staff authentication: every desk call carries `Authorization: Bearer <JWT>`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from aduan.adapters.tokens import InvalidToken, IssuerUnavailable, TokenVerifier
from aduan.domain.errors import Unauthenticated, Unavailable
from aduan.domain.staff import Staff

bearer = HTTPBearer(auto_error=False, description="a staff JWT (`aduan token` in development)")


def _unauthorized(detail: str) -> Unauthenticated:
    return Unauthenticated(detail, challenge="Bearer")


async def require_staff(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Staff:
    """The staff member the bearer token names; 401 without a valid one."""
    if credentials is None:
        raise _unauthorized("a staff bearer token is required (Authorization: Bearer <JWT>)")
    verifier: TokenVerifier = request.app.state.verifier
    try:
        if verifier.remote:  # fetching the issuer's keys blocks: keep it off the event loop
            return await run_in_threadpool(verifier.verify, credentials.credentials)
        return verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from exc
    except IssuerUnavailable as exc:
        raise Unavailable(str(exc)) from exc


StaffDep = Annotated[Staff, Depends(require_staff)]
