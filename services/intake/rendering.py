"""The citizen pages' HTML: one Jinja2 environment with autoescape on, dates in local time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from aduan import i18n
from aduan.web.pages import Texts, size, when

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,  # every value is escaped unless marked safe: only the charts' SVG is
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, language: str, timezone: str, **context: Any) -> str:
    """One page in `language`, with `t`, `when`, `when_day` and `size` at hand."""
    return _ENV.get_template(template).render(
        t=Texts(language),
        lang=language,
        size=size,
        when=lambda moment: when(moment, language, timezone),
        when_day=lambda day: i18n.day(day, language),
        **context,
    )
