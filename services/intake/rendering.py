"""The citizen pages' HTML: one Jinja2 environment with autoescape on, dates in local time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from aduan import i18n
from services.intake.words import words

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,  # every value is escaped unless marked safe, and none is
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class Texts:
    """`t(key, **values)` for templates, from the language's catalogue; a key missing from it
    fails loudly unless the template gives a `default` (for values the workflow may add later)."""

    def __init__(self, language: str) -> None:
        self.language, self.words = language, words(language)

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


def render(template: str, language: str, timezone: str, **context: Any) -> str:
    """One page in `language`, with `t`, `when` and `size` at hand."""
    return _ENV.get_template(template).render(
        t=Texts(language),
        lang=language,
        size=size,
        when=lambda moment: when(moment, language, timezone),
        **context,
    )
