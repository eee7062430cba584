"""The monthly SLA report of a month: its complaints and the month before's, read from
PostgreSQL and judged by the domain's rules at a moment."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from aduan.domain.policy import Policy
from aduan.domain.reports import Month, MonthlyReport, build_report
from aduan.store import reports


async def monthly_report(
    pool: asyncpg.Pool, policy: Policy, month: Month, unit: str | None, as_of: datetime
) -> MonthlyReport:
    """The report of the complaints received in `month` (of `unit`, or all), at `as_of`."""
    zone = policy.timezone
    before = month.previous()
    current = await reports.received_between(pool, month.start(zone), month.end(zone), unit)
    previous = await reports.received_between(pool, before.start(zone), before.end(zone), unit)
    return build_report(month, unit, current, previous, policy, as_of)
