"""The gettext catalogues: both languages hold the same texts, and dates read the same way."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from aduan import i18n
from services.notification.messages import render, render_text

TEMPLATES = Path(__file__).resolve().parents[3] / "services" / "notification" / "templates"


def raw(language: str) -> Catalog:
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "aduan.po").open("rb") as po:
        return read_po(po, locale=language)


def test_both_catalogues_hold_the_same_message_ids_with_the_same_placeholders() -> None:
    indonesian, english = raw("id"), raw("en")
    assert [m.id for m in indonesian if m.id] == [m.id for m in english if m.id]
    for message in indonesian:
        if message.id:
            other = english[message.id]
            assert other is not None
            fields = set(re.findall(r"{(\w+)}", str(message.string)))
            assert fields == set(re.findall(r"{(\w+)}", str(other.string))), message.id


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_no_translation_is_empty_or_fuzzy(language: str) -> None:
    catalog = raw(language)
    assert len(catalog) > 100
    for message in catalog:
        if message.id:
            assert isinstance(message.string, str) and message.string.strip(), message.id
            assert not message.fuzzy, message.id
    assert len(i18n.catalogue(language)) == len(catalog)  # nothing left out at run time


def test_a_missing_text_fails_loudly() -> None:
    with pytest.raises(KeyError):
        i18n.text("en", "no.such.text")


@pytest.mark.parametrize(
    ("moment", "language", "expected"),
    [
        (datetime(2026, 12, 2, 7, 0, tzinfo=UTC), "id", "2026-12-02 14:00 WIB"),
        (datetime(2026, 12, 2, 7, 0, tzinfo=UTC), "en", "2026-12-02 14:00 WIB"),
        (datetime(2026, 12, 2, 17, 0, tzinfo=UTC), "id", "2026-12-03 00:00 WIB"),
    ],
)
def test_a_moment_reads_in_local_time_with_the_zones_abbreviation(
    moment: datetime, language: str, expected: str
) -> None:
    assert i18n.moment(moment, language, ZoneInfo("Asia/Jakarta"), i18n.NUMERIC) == expected


@pytest.mark.parametrize(
    ("zone", "language", "expected"),
    [
        ("Asia/Jakarta", "id", "Rabu, 2 Desember 2026 pukul 14.00 WIB"),
        ("Asia/Jakarta", "en", "Wednesday 2 December 2026, 14:00 WIB"),
        ("Asia/Makassar", "en", "Wednesday 2 December 2026, 15:00 WITA"),
        ("Asia/Jayapura", "id", "Rabu, 2 Desember 2026 pukul 16.00 WIT"),
    ],
)
def test_a_moment_in_words_by_the_catalogues_pattern(
    zone: str, language: str, expected: str
) -> None:
    moment = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    pattern = i18n.text(language, "when")
    assert i18n.moment(moment, language, ZoneInfo(zone), pattern) == expected


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.txt")))
def test_every_notification_template_renders_in_both_languages(
    template: str, language: str
) -> None:
    # Every key a template names must be in each catalogue: a missing one raises KeyError.
    context = {"tracking_code": "ADU-7KX2-M9QP", "unit": "penagihan", "deadline": "resolution"}
    if template.endswith(".sms.txt"):
        text = render_text(template.removesuffix(".sms.txt"), language, context)
    else:
        subject, text = render(template.removesuffix(".txt"), language, context)
        assert subject.startswith("[ADU-7KX2-M9QP] ")
    assert "ADU-7KX2-M9QP" in text
    assert not re.search(r"\b(?:mail|sms|staff|ombudsman)\.[a-z_]", text), text  # no bare key
