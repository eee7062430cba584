"""The desk pages' HTML: one Jinja2 environment with autoescape on, dates in local time,
and how much working time a deadline has left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from aduan import i18n
from aduan.domain.calendar import WorkingCalendar
from aduan.domain.policy import Policy
from aduan.web.pages import HEADERS, Texts, choose_language, remember_language, when
from services.desk.pages.session import SignedIn, secure

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,  # every value is escaped unless marked safe, and none is
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def time_left(calendar: WorkingCalendar, due: datetime, now: datetime) -> tuple[timedelta, bool]:
    """Working time from `now` to `due`, and whether `due` has passed (then: how late)."""
    if due >= now:
        return calendar.working_time_between(now, due), False
    return calendar.working_time_between(due, now), True


def left_text(language: str, span: timedelta, late: bool) -> str:
    """ "sisa 2 hari kerja 3 jam" / "terlambat 5 jam 0 menit": working days and hours."""
    if span < timedelta(minutes=1):
        amount = i18n.text(language, "desk.left.minute")
    elif span.days:
        amount = i18n.text(language, "desk.left.days", days=span.days, hours=span.seconds // 3600)
    else:
        hours, minutes = span.seconds // 3600, span.seconds // 60 % 60
        amount = i18n.text(language, "desk.left.hours", hours=hours, minutes=minutes)
    return i18n.text(language, "desk.left.late" if late else "desk.left.ahead", amount=amount)


def page(
    request: Request,
    template: str,
    signed: SignedIn | None,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """One desk page in the visitor's language, with `t`, `when` and `left` at hand."""
    language, chosen = choose_language(request)
    policy: Policy = request.app.state.policy
    calendar: WorkingCalendar = request.app.state.calendar
    now = datetime.now(UTC)

    def left(due: datetime | None) -> dict[str, Any] | None:
        if due is None:
            return None
        span, late = time_left(calendar, due, now)
        return {"text": left_text(language, span, late), "late": late}

    html = _ENV.get_template(template).render(
        t=Texts(language),
        lang=language,
        here=request.url.path,
        me=signed.account if signed else None,
        csrf=signed.csrf if signed else "",
        # Moments in a timeline entry's data are ISO text (JSON); columns are datetimes.
        when=lambda moment: when(
            datetime.fromisoformat(moment) if isinstance(moment, str) else moment,
            language,
            policy.timezone,
        ),
        when_day=lambda day: i18n.day(day, language),
        left=left,
        **context,
    )
    response = HTMLResponse(html, status, headers=dict(HEADERS))
    if chosen:
        remember_language(response, language, secure=secure(request))
    return response
