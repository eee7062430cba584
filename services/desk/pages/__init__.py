"""The desk's web pages: sign-in, the queue, one complaint with its actions, accounts.

Server-rendered with Jinja2 and usable without JavaScript, in Bahasa Indonesia with English
through `?lang=en`. The same role rules (services/desk/access.py) and the same Updates as
the staff API; a browser signs in with a password and holds a session cookie (docs/desk.md).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aduan.web.pages import choose_language, remember_language
from services.desk.pages import (
    admin,
    entry,
    incidents,
    me,
    ops,
    queue,
    reports,
    rights,
    signin,
    visits,
)
from services.desk.pages.render import page
from services.desk.pages.session import Refused, SignInNeeded, secure


def install(app: FastAPI) -> None:
    """Add the pages and their answers for a missing session or a refused form."""

    async def sign_in_first(request: Request, exc: Exception) -> RedirectResponse:
        assert isinstance(exc, SignInNeeded)
        response = RedirectResponse(f"/login?next={quote(exc.next, safe='/')}", status_code=303)
        language, chosen = choose_language(request)
        if chosen:  # ?lang= on a page that needs signing in first: the sign-in page too
            remember_language(response, language, secure=secure(request))
        return response

    async def refused(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, Refused)
        return page(request, "error.html", exc.signed, status=exc.status, message_key=exc.key)

    app.add_exception_handler(SignInNeeded, sign_in_first)
    app.add_exception_handler(Refused, refused)
    app.include_router(signin.router)
    app.include_router(queue.router)
    app.include_router(admin.router)
    app.include_router(entry.router)
    app.include_router(ops.router)
    app.include_router(me.router)
    app.include_router(visits.router)
    app.include_router(incidents.router)
    app.include_router(reports.router)
    app.include_router(rights.router)
