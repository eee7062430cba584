"""The texts people read, in Bahasa Indonesia (the default) and English, and their dates.

Each language has a gettext catalogue, locale/<language>/LC_MESSAGES/aduan.po, read here at
run time through Babel (no compiled .mo). Message ids are keys such as "submit.heading";
`{name}` in a text marks a value filled in with str.format, and only when values are given.
Dates go through babel.dates by explicit pattern, followed by the zone's tzdata abbreviation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("id", "en")  # Bahasa Indonesia first
DEFAULT = "id"
DOMAIN = "aduan"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
NUMERIC = "y-MM-dd HH:mm"  # 2026-12-02 14:00 (as strftime %Y-%m-%d %H:%M), mails and Open311


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> Mapping[str, str]:
    """Every translated text of `language` by message id (fuzzy and empty entries left out,
    as msgfmt would); read once."""
    if language not in LANGUAGES:
        raise LookupError(f"no catalogue for language {language!r}")
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    texts = {
        message.id: message.string
        for message in catalog
        if isinstance(message.id, str)
        and message.id
        and isinstance(message.string, str)
        and message.string
        and not message.fuzzy
    }
    return MappingProxyType(texts)


def text(language: str, key: str, /, **values: Any) -> str:
    """The text `key` in `language`, its {placeholders} filled with `values`; KeyError if
    the catalogue has no such text."""
    found = catalogue(language).get(key)
    if found is None:
        raise KeyError(f"no text {key!r} in {language}/LC_MESSAGES/{DOMAIN}.po")
    return found.format(**values) if values else found


def day(when: date, language: str) -> str:
    """A calendar day in words of `language` (Kamis, 3 Desember 2026)."""
    return format_date(when, "full", locale=language)


def month(when: date, language: str, *, short: bool = False) -> str:
    """The calendar month `when` falls in, in words of `language` (Desember 2026; short:
    Des 2026)."""
    return format_date(when, "LLL y" if short else "LLLL y", locale=language)


def number(value: float, language: str) -> str:
    """A count or a measure as `language` writes it (1.234,5 in Bahasa Indonesia)."""
    return format_decimal(value, "#,##0.##", locale=language)


def moment(
    when: datetime, language: str, zone: tzinfo, pattern: str, *, midnight: str | None = None
) -> str:
    """`when` in `zone` by the Babel (CLDR) date pattern `pattern`, then the zone's
    abbreviation as tzdata has it (WIB, WITA, WIT: CLDR has none in English).

    With `midnight`, a moment at 00:00 reads by that pattern on the day before ("24.00"),
    since a deadline falls at the end of a working day."""
    local = when.astimezone(zone)
    shown = local
    if midnight is not None and (local.hour, local.minute, local.second) == (0, 0, 0):
        pattern, shown = midnight, local - timedelta(days=1)  # same wall clock, day before
    return f"{format_datetime(shown, pattern, locale=language)} {local.tzname() or zone}"
