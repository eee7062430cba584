"""Staff authentication: a bearer token for now (roles arrive with JWTs)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from aduan.deps import SettingsDep

_bearer = HTTPBearer(auto_error=False)


def require_staff(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller's token must match ADUAN_STAFF_TOKEN; 401 otherwise."""
    if credentials is None or not hmac.compare_digest(
        credentials.credentials.encode(), settings.staff_token.encode()
    ):
        raise HTTPException(401, "a valid staff bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    return "staff"


StaffDep = Annotated[str, Depends(require_staff)]
