"""The queue page's filters from its query string: checked, with a message per bad one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aduan.domain.vocabulary import Channel, EscalationLevel, Status
from aduan.store.complaints import QueueFilter

PAGE_SIZE = 50
NAMES = (
    "status", "class", "escalation", "overdue", "channel", "unit", "from", "to", "q", "attention",
    "mine",
)  # fmt: skip


@dataclass(frozen=True)
class Filters:
    """What the user asked for, as typed (to fill the form again) and as a QueueFilter."""

    values: dict[str, str]
    chosen: QueueFilter
    page: int = 1
    problems: list[str] = field(default_factory=list)  # message keys of the catalogue

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * PAGE_SIZE


def _day(text: str, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text), time(), zone)
    except ValueError:
        return None


def parse_filters(
    params: Mapping[str, str], classes: frozenset[str], timezone: str, user: str
) -> Filters:
    """Filters from `params` for `user` (whose complaints `mine` lists); an unknown or
    malformed value is dropped with a problem named."""
    values = {name: params.get(name, "").strip()[:100] for name in NAMES}
    problems: list[str] = []

    def one_of(name: str, allowed: set[str] | frozenset[str]) -> str | None:
        value = values[name]
        if value and value not in allowed:
            problems.append(f"desk.filter.bad.{name}")
            values[name] = ""
            return None
        return value or None

    zone = ZoneInfo(timezone)
    days: dict[str, datetime | None] = {}
    for name in ("from", "to"):
        days[name] = _day(values[name], zone) if values[name] else None
        if values[name] and days[name] is None:
            problems.append("desk.filter.bad.date")
            values[name] = ""
    overdue = one_of("overdue", {"yes", "no"})
    attention = one_of("attention", {"yes"})
    mine = one_of("mine", {"yes"})
    to = days["to"]
    chosen = QueueFilter(
        status=one_of("status", {str(s) for s in Status}),
        unit=values["unit"] or None,
        complaint_class=one_of("class", classes),
        escalation_level=one_of("escalation", {str(e) for e in EscalationLevel}),
        overdue=None if overdue is None else overdue == "yes",
        channel=one_of("channel", {str(c) for c in Channel}),
        received_from=days["from"],
        received_before=to + timedelta(days=1) if to else None,  # the whole last day
        needs_attention=attention == "yes",
        officer=user if mine == "yes" else None,
    )
    try:
        page = max(1, min(10_000, int(params.get("page", "1"))))
    except ValueError:
        page = 1
    return Filters(values, chosen, page, problems)


def query_string(values: Mapping[str, str], **changes: str | int) -> str:
    """The query string of these filters with `changes` (e.g. another page)."""
    from urllib.parse import urlencode

    merged = {**values, **{k: str(v) for k, v in changes.items()}}
    return urlencode({k: v for k, v in merged.items() if v})
