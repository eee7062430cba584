"""What the citizen pages (intake) and the staff pages (desk) share: the visitor's language,
texts for templates, and the headers every server-rendered page carries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request, Response

from aduan import i18n
from aduan.domain.questions import Problem, Question, Reason

LANGUAGE_COOKIE = "aduan_lang"
# No script, no framing, nothing sent elsewhere, nothing cached.
HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def choose_language(request: Request) -> tuple[str, bool]:
    """The page's language: `?lang=` (True: remember it in the cookie), the cookie, or id."""
    asked = request.query_params.get("lang")
    if asked in i18n.LANGUAGES:
        return asked, True
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    return (remembered if remembered in i18n.LANGUAGES else i18n.DEFAULT), False


def remember_language(response: Response, language: str, *, secure: bool) -> None:
    """Keep the language picked with `?lang=` for a year."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


class Texts:
    """`t(key, **values)` for templates, from the language's catalogue; a key missing from it
    fails loudly unless the template gives a `default` (for values the workflow may add later)."""

    def __init__(self, language: str) -> None:
        self.language, self.words = language, i18n.catalogue(language)

    def __call__(self, key: str, default: str | None = None, **values: Any) -> str:
        text = self.words.get(key, default)
        if text is None:
            raise KeyError(f"no text {key!r} in the {self.language} catalogue")
        return text.format(**values) if values else text


def when(moment: datetime, language: str, timezone: str) -> str:
    """A moment in the provider's time zone, in words; midnight reads as 24.00 of the day
    before, since a deadline falls at the end of a working day (docs/domain.md "Working days")."""
    return i18n.moment(
        moment,
        language,
        ZoneInfo(timezone),
        i18n.text(language, "when"),
        midnight=i18n.text(language, "when.midnight"),
    )


def size(value: int) -> str:
    """A file size for people: KB below a megabyte, MB above."""
    if value < 1024 * 1024:
        return f"{max(1, round(value / 1024))} KB"
    return f"{value / (1024 * 1024):.1f} MB"


def answer_errors(
    problems: Sequence[Problem], questions: Sequence[Question], language: str
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each refused answer's text (catalogue key `error.answer.<reason>` and its values) by
    question code, the question's label in `language`; answers no question of the form
    asked are left out, since no field shows them."""
    by_code = {q.code: q for q in questions}
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for problem in problems:
        question = by_code.get(problem.code)
        if question is None or problem.code in found:
            continue
        values: dict[str, Any] = {"label": question.label.text(language)}
        if problem.reason == Reason.TOO_LONG:
            values["max"] = question.max_length
        elif problem.reason == Reason.TOO_SMALL:
            values["limit"] = _figure(question.min)
        elif problem.reason == Reason.TOO_LARGE:
            values["limit"] = _figure(question.max)
        found[problem.code] = (f"error.answer.{problem.reason}", values)
    return found


def _figure(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() else str(value)
