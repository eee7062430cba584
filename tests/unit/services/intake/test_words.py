"""The citizen pages' words: both languages complete, dates in the provider's local time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.intake.rendering import when
from services.intake.words import LANGUAGES, words

TEMPLATES = Path(__file__).resolve().parents[4] / "services" / "intake" / "templates" / "pages"


def test_both_languages_have_every_text_and_the_same_placeholders() -> None:
    indonesian, english = words("id"), words("en")
    assert set(indonesian) == set(english)
    for key, text in indonesian.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", english[key])), key


def test_every_text_a_page_names_exists() -> None:
    # Keys built from values (status.<status>, ...) have a default in the template instead.
    used = {
        key
        for page in TEMPLATES.glob("*.html")
        for key in re.findall(r'(?<![\w.])t\("([a-z_.]+)"\s*[,)]', page.read_text())
    }
    for language in LANGUAGES:
        assert used - set(words(language)) == set(), language


@pytest.mark.parametrize(
    ("moment", "language", "expected"),
    [
        (datetime(2027, 1, 5, 17, 0, tzinfo=UTC), "id", "Selasa, 5 Januari 2027 pukul 24.00 WIB"),
        (datetime(2027, 1, 5, 17, 0, tzinfo=UTC), "en", "Tuesday 5 January 2027, 24:00 WIB"),
        (datetime(2026, 12, 23, 3, 30, tzinfo=UTC), "id", "Rabu, 23 Desember 2026 pukul 10.30 WIB"),
    ],
)
def test_a_deadline_reads_in_jakarta_time_and_midnight_ends_the_day_before(
    moment: datetime,
    language: str,
    expected: str,
) -> None:
    assert when(moment, language, "Asia/Jakarta") == expected
