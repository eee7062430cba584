"""What an access log row may carry: known keys and short values only, never free text."""

from __future__ import annotations

import uuid

import pytest

from aduan import i18n
from aduan.domain.access_log import (
    DETAIL_TEXT_MAX,
    USER_AGENT_MAX,
    Access,
    Prefix,
    clean_detail,
    prefixed,
    user_agent,
)


def test_known_details_are_kept_and_empty_ones_left_out() -> None:
    incident = uuid.uuid4()
    assert clean_detail(
        {"surface": "page", "rows": 3, "searched": False, "incident_id": incident, "unit": ""}
    ) == {"surface": "page", "rows": 3, "searched": False, "incident_id": str(incident)}
    assert clean_detail({"status": None}) == {}


@pytest.mark.parametrize(
    "detail",
    [
        {"description": "Tagihan saya naik"},  # no such key: complaint text has no place
        {"message": "Meter sudah dikalibrasi."},
        {"q": "Siti"},  # a search's words may be a complainant's name
        {"unit": "x" * (DETAIL_TEXT_MAX + 1)},
        {"rows": 1.5},
        {"surface": ["page"]},
    ],
)
def test_anything_else_is_refused(detail: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        clean_detail(detail)


def test_the_user_agent_is_trimmed_and_printable() -> None:
    assert user_agent(None) is None and user_agent("  ") is None
    assert user_agent("Mozilla/5.0\r\nX-Evil: 1") == "Mozilla/5.0X-Evil: 1"
    assert len(user_agent("a" * 5000) or "") == USER_AGENT_MAX


def test_changes_are_named_by_their_prefix() -> None:
    assert prefixed(Prefix.ACT, "respond") == "act:respond"
    assert prefixed(Prefix.INCIDENT, "link") == "incident:link"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_the_page_names_every_action_in_words(language: str) -> None:
    words = i18n.catalogue(language)
    missing = [a for a in Access if f"desk.access.action.{a}" not in words] + [
        p for p in Prefix if f"desk.access.prefix.{p}" not in words
    ]
    assert missing == []
