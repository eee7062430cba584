"""Public statistics: aggregate counts and times, never a complaint or a person.

`read` is the whole query set behind GET /v1/public/stats and the /statistik page: one
read-only transaction, so every figure describes the same moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from aduan.domain.figures import DEADLINE_KINDS, Answered, Counts, MetMissed, Month
from aduan.store import incidents, units
from aduan.store.units import Unit


@dataclass(frozen=True)
class Snapshot:
    """One read of everything the statistics show: the all-time totals (`totals`, the JSON's
    first keys), the period's raw counts, the open incidents and the units' names."""

    totals: dict[str, Any]
    counts: Counts
    open_incidents: list[asyncpg.Record]
    units: dict[str, Unit]


async def _totals(connection: asyncpg.Connection) -> dict[str, Any]:
    """Counts by status, outcome, class and escalation; deadline compliance; median times."""
    total = await connection.fetchval("SELECT count(*) FROM complaints")
    by: dict[str, dict[str, int]] = {}
    # Column names come from this fixed tuple, never from a request.
    for column in ("status", "outcome", "complaint_class", "escalation_level", "channel"):
        rows = await connection.fetch(
            f"SELECT {column} AS key, count(*) AS n FROM complaints"
            f" WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY {column}"
        )
        by[column] = {row["key"]: row["n"] for row in rows}
    deadlines = await connection.fetch(
        """SELECT kind,
               count(*) FILTER (WHERE met_at IS NOT NULL AND missed_at IS NULL) AS met,
               count(*) FILTER (WHERE missed_at IS NOT NULL) AS missed,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM met_at - started_at))
                   FILTER (WHERE met_at IS NOT NULL) AS median_s
        FROM deadlines WHERE kind IN ('routing', 'first_response', 'resolution')
        GROUP BY kind ORDER BY kind"""
    )
    return {
        "complaints": total,
        "by_status": by["status"],
        "by_outcome": by["outcome"],
        "by_class": by["complaint_class"],
        "by_escalation_level": by["escalation_level"],
        "by_channel": by["channel"],
        "deadlines": {
            row["kind"]: {
                "met": row["met"],
                "missed": row["missed"],
                "median_hours_to_meet": None
                if row["median_s"] is None
                else round(row["median_s"] / 3600, 1),
            }
            for row in deadlines
        },
    }


async def _counts(connection: asyncpg.Connection, months: Sequence[Month], timezone: str) -> Counts:
    """The period's raw counts, by the provider's months (`AT TIME ZONE` its zone)."""
    start = months[0].start(ZoneInfo(timezone))
    kinds = list(DEADLINE_KINDS)
    received = await connection.fetch(
        """SELECT to_char(received_at AT TIME ZONE $1, 'YYYY-MM') AS month, count(*) AS n
        FROM complaints WHERE received_at >= $2 GROUP BY 1""",
        timezone,
        start,
    )
    received_before = await connection.fetchval(
        "SELECT count(*) FROM complaints WHERE received_at < $1", start
    )
    # A complaint closes once (closed is final); DISTINCT guards against a replayed row.
    closed = await connection.fetch(
        """SELECT to_char(occurred_at AT TIME ZONE $1, 'YYYY-MM') AS month,
            data->>'outcome' AS outcome, count(DISTINCT complaint_id) AS n
        FROM timeline WHERE event_type = 'closed' AND occurred_at >= $2 GROUP BY 1, 2""",
        timezone,
        start,
    )
    closed_before = await connection.fetchval(
        """SELECT count(DISTINCT complaint_id) FROM timeline
        WHERE event_type = 'closed' AND occurred_at < $1""",
        start,
    )
    # An appeal may take a complaint to the Ombudsman a second time: the first time counts.
    escalated = await connection.fetch(
        """SELECT level, to_char(first AT TIME ZONE $1, 'YYYY-MM') AS month, count(*) AS n
        FROM (SELECT complaint_id, data->>'level' AS level, min(occurred_at) AS first
              FROM timeline WHERE event_type = 'escalated' GROUP BY 1, 2) e
        WHERE first >= $2 GROUP BY 1, 2""",
        timezone,
        start,
    )
    # Decided in the period: met (and never missed) or missed in it; a late answer is a miss.
    decided = await connection.fetch(
        """SELECT c.unit, c.complaint_class, d.kind, GROUPING(c.unit) = 0 AS by_unit,
            count(*) FILTER (WHERE d.missed_at IS NULL AND d.met_at >= $1) AS met,
            count(*) FILTER (WHERE d.missed_at >= $1) AS missed
        FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
        WHERE d.kind = ANY($2) AND (d.met_at >= $1 OR d.missed_at >= $1)
        GROUP BY GROUPING SETS ((c.unit, d.kind), (c.complaint_class, d.kind))""",
        start,
        kinds,
    )
    answered = await connection.fetch(
        """SELECT d.kind, c.complaint_class, d.started_at, d.met_at
        FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
        WHERE d.kind = ANY($2) AND d.met_at >= $1 AND c.complaint_class IS NOT NULL""",
        start,
        kinds,
    )
    ratings = await connection.fetch(
        """SELECT (data->>'score')::int AS score, count(*) AS n FROM timeline
        WHERE event_type = 'rated' AND occurred_at >= $1 AND data->>'score' ~ '^[1-5]$'
        GROUP BY 1""",
        start,
    )
    closed_by_month: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    for row in closed:
        closed_by_month[row["month"]] = closed_by_month.get(row["month"], 0) + row["n"]
        if row["outcome"]:
            outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + row["n"]
    by_unit: dict[tuple[str, str], MetMissed] = {}
    by_class: dict[tuple[str, str], MetMissed] = {}
    for row in decided:
        group, into = (
            (row["unit"], by_unit) if row["by_unit"] else (row["complaint_class"], by_class)
        )
        if group is not None:
            into[(group, row["kind"])] = MetMissed(row["met"], row["missed"])
    return Counts(
        months=list(months),
        received={row["month"]: row["n"] for row in received},
        closed=closed_by_month,
        received_before=received_before,
        closed_before=closed_before,
        escalated={(row["level"], row["month"]): row["n"] for row in escalated},
        deadlines_by_unit=by_unit,
        deadlines_by_class=by_class,
        answered=[
            Answered(row["kind"], row["complaint_class"], row["started_at"], row["met_at"])
            for row in answered
        ],
        outcomes=outcomes,
        ratings={row["score"]: row["n"] for row in ratings},
    )


async def read(pool: asyncpg.Pool, months: Sequence[Month], timezone: str) -> Snapshot:
    """Everything the public statistics show, for the period `months` of the provider's
    time zone, in one read-only snapshot of the database."""
    async with (
        pool.acquire() as connection,
        connection.transaction(isolation="repeatable_read", readonly=True),
    ):
        totals = await _totals(connection)
        counts = await _counts(connection, months, timezone)
    return Snapshot(
        totals=totals,
        counts=counts,
        open_incidents=await incidents.public_open(pool),
        units=await units.directory(pool),
    )
