"""Which public requests count against which rate limit, per client address.

One dependency of the whole intake app: each request is matched to at most one scope by
its method and path; unmatched requests (pages, the catalogue, health) are not counted."""

from __future__ import annotations

import re

from fastapi import Request

from aduan.store.ratelimit import RateLimits, Scope, client_key

# First match wins: a file posted with a tracking code counts as an upload, not a login.
_RULES: list[tuple[str, re.Pattern[str], Scope]] = [
    (method, re.compile(pattern), scope)
    for method, pattern, scope in (
        ("POST", r"/v1/complaints|/portal/complaints|/open311/v2/requests\.\w+", Scope.SUBMISSIONS),
        ("POST", r"/v1/complaints/[^/]+/attachments|/track/attachments", Scope.UPLOADS),
        # Every use of a tracking code and its token: guessing one is a login attempt.
        ("POST", r"/track|/track/actions/[^/]+|/v1/complaints/[^/]+/[^/]+", Scope.LOGINS),
        ("GET", r"/v1/complaints/[^/]+(/.*)?", Scope.LOGINS),
        ("GET", r"/contact/confirm/[^/]+/[^/]+", Scope.LOGINS),
        ("POST", r"/contact/confirm/[^/]+/[^/]+", Scope.LOGINS),
        ("POST", r"/v1/webhooks/[^/]+", Scope.WEBHOOKS),
        (
            "GET",
            r"/v1/public/stats|/open311/v2/(requests(/[^/]+)?|tokens/[^/]+|servicerequestupdates)"
            r"\.\w+|/open311/v2/media/[^/]+/[^/]+",
            Scope.READS,
        ),
    )
]


def scope_of(method: str, path: str) -> Scope | None:
    """The limit a request counts against, if any."""
    for rule_method, pattern, scope in _RULES:
        if method == rule_method and pattern.fullmatch(path):
            return scope
    return None


async def rate_limit(request: Request) -> None:
    """Count the request against its scope's limit; RateLimited (429) once spent."""
    scope = scope_of(request.method, request.url.path)
    if scope is None:
        return
    limits: RateLimits = request.app.state.limits
    await limits.hit(scope, client_key(request.client.host if request.client else ""))
