"""Public statistics: aggregate counts and times, never a complaint or a person."""

from __future__ import annotations

from typing import Any

import asyncpg


async def public_stats(pool: asyncpg.Pool) -> dict[str, Any]:
    """Counts by status, outcome, class and escalation; deadline compliance; median times."""
    async with pool.acquire() as connection:
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
