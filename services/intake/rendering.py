"""The citizen pages' HTML: one Jinja2 environment with autoescape on, dates in local time."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.intake.words import words

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,  # every value is escaped unless marked safe, and none is
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class Texts:
    """`t(key, **values)` for templates; a key missing from the words file fails loudly
    unless the template gives a `default` (for values the workflow may add later)."""

    def __init__(self, language: str) -> None:
        self.language, self.words = language, words(language)

    def __call__(self, key: str, default: str | None = None, **values: Any) -> str:
        text = self.words.get(key, default)
        if text is None:
            raise KeyError(f"no text {key!r} in {self.language}.yaml")
        return text.format(**values) if values else text


def when(moment: datetime, language: str, timezone: str) -> str:
    """A moment in the provider's time zone, in words; midnight reads as 24.00 of the day
    before, since a deadline falls at the end of a working day (docs/domain.md "Working days")."""
    local = moment.astimezone(ZoneInfo(timezone))
    day, clock = local, local.strftime("%H.%M" if language == "id" else "%H:%M")
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        day, clock = local - timedelta(days=1), "24.00" if language == "id" else "24:00"
    text = words(language)
    return text["when"].format(
        weekday=text["weekdays"].split()[day.weekday()],
        day=day.day,
        month=text["months"].split()[day.month - 1],
        year=day.year,
        time=clock,
        zone=local.tzname() or timezone,
    )


def size(value: int) -> str:
    """A file size for people: KB below a megabyte, MB above."""
    if value < 1024 * 1024:
        return f"{max(1, round(value / 1024))} KB"
    return f"{value / (1024 * 1024):.1f} MB"


def render(template: str, language: str, timezone: str, **context: Any) -> str:
    """One page in `language`, with `t`, `when` and `size` at hand."""
    return _ENV.get_template(template).render(
        t=Texts(language),
        lang=language,
        size=size,
        when=lambda moment: when(moment, language, timezone),
        **context,
    )
