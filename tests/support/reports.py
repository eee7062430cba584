"""Two handled months of one unit, written into PostgreSQL as lifecycles would have left
them, for the monthly SLA report's tests: October 2026 (the month reported) and September
2026 (the month before, for the trend).

Every due time is hand-counted on the shipped calendar: no holiday falls in September to
November 2026, so working days are Monday to Friday; 1 October 2026 is a Thursday. A
deadline of N working days ends at 24:00 (the next day's 00:00) of the N-th working day after
the day of receipt. Each complaint carries a complainant and a text the report must not show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from aduan.domain.reports import Month
from tests.support.complaints import insert_complaint

WIB = ZoneInfo("Asia/Jakarta")
REPORTED = Month(2026, 10)
BEFORE = Month(2026, 9)
# Personal data the seeded complaints hold, which no report may show.
COMPLAINANT = {"name": "Siti Rahayu", "email": "siti.rahayu@example.id", "phone": "+6281234567890"}
TEXT = "Meteran air di rumah Ibu Siti di Jalan Melati 7 berputar padahal keran tertutup"
EXTENSION_REASON = "Menunggu hasil uji meter dari laboratorium"


def wib(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment of 2026 in Jakarta time."""
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


@dataclass(frozen=True)
class Deadline:
    """A stored deadline: due, and when it was met or marked missed."""

    due: datetime
    met: datetime | None = None
    missed: bool = False


@dataclass
class Handled:
    """One complaint as its lifecycle left it."""

    received: datetime
    complaint_class: str
    status: str
    deadlines: dict[str, Deadline]
    outcome: str | None = None
    level: str = "none"
    category: str = "meter"
    steps: list[tuple[str, datetime, dict[str, Any]]] = field(default_factory=list)


def october() -> dict[str, Handled]:
    """The reported month: six complaints, one of each way a deadline can end."""
    return {
        # All on time; answered, then confirmed.
        "on_time": Handled(
            wib(10, 5, 9),
            "standard",
            "closed",
            {
                "routing": Deadline(wib(10, 9), met=wib(10, 5, 10)),
                "first_response": Deadline(wib(10, 9), met=wib(10, 6, 9)),
                "resolution": Deadline(wib(10, 24), met=wib(10, 14, 12)),
            },
            outcome="resolved",
            steps=[("closed", wib(10, 19, 10), {"outcome": "resolved"})],
        ),
        # Acknowledged half a working day late (escalated), the resolution extended, answered.
        "late_then_extended": Handled(
            wib(10, 6, 9),
            "standard",
            "responded",
            {
                "routing": Deadline(wib(10, 10), met=wib(10, 6, 11)),
                "first_response": Deadline(wib(10, 10), met=wib(10, 12, 12), missed=True),
                "resolution": Deadline(wib(11, 3), met=wib(10, 30, 15)),
            },
            level="supervisor",
            steps=[
                ("escalated", wib(10, 10), {"level": "supervisor", "deadline": "first_response"}),
                (
                    "extended",
                    wib(10, 21, 10),
                    {"by": "5wd", "reason": EXTENSION_REASON, "due_at": wib(11, 3).isoformat()},
                ),
            ],
        ),
        # Urgent: first response due in 24 hours, given 6 hours late; closed unconfirmed.
        "urgent_late_in_hours": Handled(
            wib(10, 13, 8),
            "urgent",
            "closed",
            {
                "routing": Deadline(wib(10, 17), met=wib(10, 13, 8, 30)),
                "first_response": Deadline(wib(10, 14, 8), met=wib(10, 14, 14), missed=True),
                "resolution": Deadline(wib(10, 21), met=wib(10, 16, 10)),
            },
            outcome="auto_closed",
            level="supervisor",
            steps=[
                (
                    "escalated",
                    wib(10, 14, 8),
                    {"level": "supervisor", "deadline": "first_response"},
                ),
                ("closed", wib(10, 30, 10), {"outcome": "auto_closed"}),
            ],
        ),
        # Nobody acknowledged it: supervisor, then the Ombudsman; still not answered.
        "ignored": Handled(
            wib(10, 19, 9),
            "standard",
            "routed",
            {
                "routing": Deadline(wib(10, 23), met=wib(10, 19, 9, 30)),
                "first_response": Deadline(wib(10, 23), missed=True),
                "resolution": Deadline(wib(11, 7), missed=True),
            },
            level="ombudsman",
            steps=[
                ("escalated", wib(10, 23), {"level": "supervisor", "deadline": "first_response"}),
                ("escalated", wib(10, 30), {"level": "ombudsman", "deadline": "first_response"}),
            ],
        ),
        # Rejected before any deadline passed: its deadlines count nowhere.
        "rejected": Handled(
            wib(10, 20, 10),
            "light",
            "closed",
            {
                "routing": Deadline(wib(10, 24), met=wib(10, 20, 11)),
                "first_response": Deadline(wib(10, 22)),
                "resolution": Deadline(wib(10, 23)),
            },
            outcome="rejected",
            category="other",
            steps=[("closed", wib(10, 20, 15), {"outcome": "rejected", "reason": "bukan kami"})],
        ),
        # Acknowledged, then information requested: the resolution clock is paused.
        "waiting": Handled(
            wib(10, 26, 9),
            "normative",
            "waiting_complainant",
            {
                "routing": Deadline(wib(10, 30), met=wib(10, 26, 9, 15)),
                "first_response": Deadline(wib(10, 29), met=wib(10, 26, 13)),
                "resolution": Deadline(wib(11, 3)),
            },
        ),
    }


def september() -> dict[str, Handled]:
    """The month before: three complaints, one acknowledged late."""

    def answered(day: int, late: bool, resolution_due: datetime) -> Handled:
        first_due = wib(9, day + 4)  # received on a Monday or a Tuesday: 3 working days
        escalated = ("escalated", first_due, {"level": "supervisor", "deadline": "first_response"})
        return Handled(
            wib(9, day, 9),
            "standard",
            "closed",
            {
                "routing": Deadline(first_due, met=wib(9, day, 10)),
                "first_response": Deadline(
                    first_due, met=wib(9, day + 7 if late else day + 1, 9), missed=late
                ),
                "resolution": Deadline(resolution_due, met=wib(9, day + 9, 9)),
            },
            outcome="resolved",
            level="supervisor" if late else "none",
            steps=[*([escalated] if late else []), ("closed", wib(9, day + 10, 9), {})],
        )

    return {
        "sep_a": answered(1, False, wib(9, 22)),  # Tuesday 1st
        "sep_b": answered(7, True, wib(9, 26)),  # Monday 7th, acknowledged Monday 14th
        "sep_c": answered(8, False, wib(9, 29)),  # Tuesday 8th
    }


async def store_handled(pool: asyncpg.Pool, unit: str, handled: Handled) -> str:
    """Write one handled complaint of `unit`; its tracking code."""
    complaint_id = await insert_complaint(
        pool, received_at=handled.received, complainant=dict(COMPLAINANT), description=TEXT
    )
    await pool.execute(
        """UPDATE complaints SET unit = $2, status = $3, escalation_level = $4,
               complaint_class = $5, outcome = $6, officer = 'budi' WHERE id = $1""",
        complaint_id,
        unit,
        handled.status,
        handled.level,
        handled.complaint_class,
        handled.outcome,
    )
    for kind, d in handled.deadlines.items():
        await pool.execute(
            """INSERT INTO deadlines (complaint_id, kind, started_at, due_at, met_at, missed_at)
            VALUES ($1, $2, $3, $4, $5, $6)""",
            complaint_id,
            kind,
            handled.received,
            d.due,
            d.met,
            d.due if d.missed else None,
        )
    routed = ("routed", handled.received, {"category": handled.category})
    for n, (event_type, at, data) in enumerate([routed, *handled.steps]):
        await pool.execute(
            """INSERT INTO timeline (complaint_id, step, event_type, status, escalation_level,
                   public, data, occurred_at)
            VALUES ($1, $2, $3, $4, $5, true, $6, $7)""",
            complaint_id,
            f"{n:04d}-{event_type}",
            event_type,
            handled.status,
            handled.level,
            data,
            at,
        )
    code: str = await pool.fetchval(
        "SELECT tracking_code FROM complaints WHERE id = $1", complaint_id
    )
    return code


async def sla_months(pool: asyncpg.Pool, unit: str) -> dict[str, str]:
    """September and October 2026 of `unit`; each complaint's tracking code by its name."""
    return {
        name: await store_handled(pool, unit, handled)
        for name, handled in (september() | october()).items()
    }
