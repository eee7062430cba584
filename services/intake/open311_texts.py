"""What Open311 clients show people: status notes and notices, Bahasa Indonesia first.

Each note is one text of the catalogues (aduan/locale, keys open311.*) in every language,
joined as "Indonesian / English"."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from aduan import i18n
from aduan.domain.events import EventType

# What an event type reads as: the status it leads to, or an event of its own.
_EVENT = {
    "routed": "status.routed",
    "acknowledged": "status.in_progress",
    "info_requested": "status.waiting_complainant",
    "replied": "event.replied",
    "responded": "status.responded",
    "extended": "event.extended",
    "reassigned": "event.reassigned",
    "deadline_missed": "event.deadline_missed",
    "disputed": "event.disputed",
    "rated": "event.rated",
}
# The provider's own words that may follow the label on a public report; never the
# complainant's replies, disputes or ratings.
_PROVIDER_WORDS = {"responded": "message", "closed": "reason"}


def _known(key: str) -> bool:
    return f"open311.{key}" in i18n.catalogue(i18n.DEFAULT)


def _both(key: str, **values: Any) -> str:
    """The text in every language, Bahasa Indonesia first: "Diterima / Received"."""
    return " / ".join(
        i18n.text(language, f"open311.{key}", **values) for language in i18n.LANGUAGES
    )


def _status(status: str) -> str:
    return _both(f"status.{status}") if _known(f"status.{status}") else status


def event_note(
    status: str, event_type: str | None, data: dict[str, Any], *, with_message: bool
) -> str:
    """status_notes: what last happened that the complainant may see."""
    if event_type == EventType.ESCALATED:
        level = f"escalated.{data.get('level')}"
        label = _both(level) if _known(level) else _status(status)
    elif event_type == EventType.CLOSED:
        outcome = f"closed.{data.get('outcome')}"
        label = _both(outcome if _known(outcome) else "status.closed")
    else:
        event = _EVENT.get(event_type or "")
        label = _both(event) if event else _status(status)
    words = data.get(_PROVIDER_WORDS.get(event_type or "", ""))
    if with_message and isinstance(words, str) and words.strip():
        return f"{label}: {words.strip()}"
    return label


def routing_notice(resolution_due: datetime | None, zone: tzinfo) -> str:
    """service_notice of an open request: when it is due, or that it is being routed."""
    if resolution_due is None:
        return _both("routing")
    return " / ".join(
        i18n.text(
            language,
            "open311.due",
            due=i18n.moment(resolution_due, language, zone, i18n.NUMERIC),
        )
        for language in i18n.LANGUAGES
    )


def submitted_notice(tracking_code: str, access_token: str) -> str:
    """service_notice of POST requests: the tracking code and the secret token to keep."""
    return _both("submitted", code=tracking_code, token=access_token)
