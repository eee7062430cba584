"""GET /v1/public/stats: how the provider handles complaints, in numbers anyone may see, as
JSON or CSV; the /statistik page shows the same figures (docs/statistics.md)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field

from aduan.domain.calendar import WorkingCalendar
from aduan.domain.disclosure import SMALLEST_SHOWN, shown
from aduan.domain.figures import DEADLINE_KINDS, Compliance, Figures, Spread, months_ending, publish
from aduan.store import stats
from aduan.store.stats import Snapshot
from aduan.web.deps import PoolDep
from aduan.web.downloads import spreadsheet_safe
from aduan.web.http import ReadCache, app_cache
from aduan.web.problems import responses

router = APIRouter(prefix="/v1/public", tags=["public"])
# Anyone may ask, as often as they like, by the API or the page: the database answers one
# query set per period at most (per intake process).
CACHE_SECONDS = 60.0
T = TypeVar("T")


@dataclass
class Published:
    """One period's statistics: the snapshot read, the figures published from it, and what
    is made of them (the JSON, the CSV, each language's charts), made once on first use."""

    computed_at: datetime
    timezone: str
    snapshot: Snapshot
    figures: Figures
    _made: dict[str, Any] = field(default_factory=dict)

    def made(self, key: str, make: Callable[[], T]) -> T:
        """`make()`, kept under `key` for as long as these figures are served."""
        if key not in self._made:
            self._made[key] = make()
        found: T = self._made[key]
        return found


def cache(app: FastAPI) -> ReadCache[str, Published]:
    """This app's cache of the statistics: the API and the page share its one entry."""
    return app_cache(app, "public_stats", CACHE_SECONDS, 1)


def calendar(app: FastAPI) -> WorkingCalendar:
    """The provider's working-day calendar, built once per app (the holidays are looked up)."""
    found: WorkingCalendar | None = getattr(app.state, "calendar", None)
    if found is None:
        policy = app.state.policy
        found = app.state.calendar = WorkingCalendar.from_config(policy.calendar, policy.timezone)
    return found


async def published(app: FastAPI, pool: asyncpg.Pool) -> Published:
    """The statistics, at most CACHE_SECONDS old."""

    async def compute() -> Published:
        timezone: str = app.state.policy.timezone
        now = datetime.now(UTC)
        snapshot = await stats.read(pool, months_ending(now, ZoneInfo(timezone)), timezone)
        # Working days of a year's answers take a while in Python: off the event loop.
        figures = await asyncio.to_thread(publish, snapshot.counts, calendar(app))
        return Published(now, timezone, snapshot, figures)

    return await cache(app).get("all", compute)


# JSON -------------------------------------------------------------------------------------

_HIDDEN = f"null: fewer than {SMALLEST_SHOWN} complaints (not published)"


class DeadlineStats(BaseModel):
    """How often one kind of deadline was met or missed, and how long meeting it took."""

    met: int
    missed: int
    median_hours_to_meet: float | None


class MonthStats(BaseModel):
    """One month of the provider's time zone."""

    month: str = Field(examples=["2026-07"])
    received: int | None = Field(description=f"complaints received in it; {_HIDDEN}")
    closed: int | None = Field(description=f"complaints closed in it; {_HIDDEN}")
    open: int | None = Field(description=f"open at its end (now, this month); {_HIDDEN}")
    escalated_supervisor: int | None = Field(description=f"first escalated in it; {_HIDDEN}")
    escalated_ombudsman: int | None = Field(description=f"first sent in it; {_HIDDEN}")


class ComplianceStats(BaseModel):
    """Deadlines of one kind decided in the period: met, or missed (a late answer is a miss)."""

    met: int | None
    missed: int | None


class SpreadStats(BaseModel):
    """Working days from receipt to the awaited action, over the answers of the period."""

    complaints: int | None
    median: float | None = Field(description=f"working days; {_HIDDEN}")
    p90: float | None = Field(description=f"90th percentile, working days; {_HIDDEN}")


class RatingStats(BaseModel):
    """The complainants' ratings (1 to 5) given in the period."""

    count: int | None
    average: float | None
    by_score: dict[str, int | None]


class PublicStats(BaseModel):
    """Aggregates only: no complaint, no text, no person. The first keys are all-time totals;
    the others cover the period (the current month and the 11 before it), every count of
    fewer than `hidden_below` complaints given as null."""

    complaints: int
    by_status: dict[str, int]
    by_outcome: dict[str, int]
    by_class: dict[str, int]
    by_escalation_level: dict[str, int]
    by_channel: dict[str, int]
    deadlines: dict[str, DeadlineStats]
    hidden_below: int = Field(description="a count below this is published as null")
    computed_at: datetime
    timezone: str = Field(description="the provider's time zone: months are its months")
    period: list[str] = Field(description="the first and the last month of the period")
    this_month: MonthStats
    by_month: list[MonthStats]
    deadlines_by_unit: dict[str, dict[str, ComplianceStats]]
    deadlines_by_class: dict[str, dict[str, ComplianceStats]]
    working_days: dict[str, SpreadStats] = Field(description="to first_response, to resolution")
    working_days_by_class: dict[str, dict[str, SpreadStats]]
    escalations: dict[str, int | None] = Field(description="complaints first reaching a level")
    outcomes: dict[str, int | None] = Field(description="complaints closed in the period")
    ratings: RatingStats
    open_incidents: int = Field(description="known disruptions still open (/v1/public/incidents)")


def _compliance(groups: dict[str, dict[str, Compliance]]) -> dict[str, dict[str, ComplianceStats]]:
    return {
        group: {kind: ComplianceStats(met=c.met, missed=c.missed) for kind, c in kinds.items()}
        for group, kinds in groups.items()
    }


def _spread(spread: Spread) -> SpreadStats:
    return SpreadStats(complaints=spread.complaints, median=spread.median, p90=spread.p90)


def as_json(published: Published) -> PublicStats:
    """The JSON answer: the all-time totals, then the period's figures."""
    figures = published.figures
    months = [
        MonthStats(
            month=m.month.key,
            received=m.received,
            closed=m.closed,
            open=m.open,
            escalated_supervisor=m.escalated_supervisor,
            escalated_ombudsman=m.escalated_ombudsman,
        )
        for m in figures.months
    ]
    return PublicStats.model_validate(
        {
            **published.snapshot.totals,
            "hidden_below": SMALLEST_SHOWN,
            "computed_at": published.computed_at,
            "timezone": published.timezone,
            "period": [months[0].month, months[-1].month],
            "this_month": months[-1],
            "by_month": months,
            "deadlines_by_unit": _compliance(figures.deadlines_by_unit),
            "deadlines_by_class": _compliance(figures.deadlines_by_class),
            "working_days": {k: _spread(s) for k, s in figures.working_days.items()},
            "working_days_by_class": {
                group: {k: _spread(s) for k, s in kinds.items()}
                for group, kinds in figures.working_days_by_class.items()
            },
            "escalations": figures.escalations,
            "outcomes": figures.outcomes,
            "ratings": RatingStats(
                count=figures.ratings.count,
                average=figures.ratings.average,
                by_score={str(s): n for s, n in figures.ratings.by_score.items()},
            ),
            "open_incidents": len(published.snapshot.open_incidents),
        }
    )


# CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = ("figure", "by", "key", "value")


def _measure(value: float | None) -> str:
    # A hidden measure is left empty: "< 5" in its place would read as a number of days.
    return "" if value is None else f"{value:g}"


def csv_rows(figures: Figures) -> Iterator[tuple[str, str, str, str]]:
    """One row per (figure, what it is counted by, which one, value); "< 5" for a hidden
    count, an empty value for a measure over fewer than 5 complaints (docs/statistics.md)."""
    for m in figures.months:
        for name in ("received", "closed", "open", "escalated_supervisor", "escalated_ombudsman"):
            yield name, "month", m.month.key, shown(getattr(m, name))
    for by, groups in (("unit", figures.deadlines_by_unit), ("class", figures.deadlines_by_class)):
        for group, kinds in groups.items():
            for kind in DEADLINE_KINDS:
                yield f"{kind}_met", by, group, shown(kinds[kind].met)
                yield f"{kind}_missed", by, group, shown(kinds[kind].missed)
    spreads = [("all", "", figures.working_days)] + [
        ("class", group, taken) for group, taken in figures.working_days_by_class.items()
    ]
    for by, group, taken in spreads:
        for kind, spread in taken.items():
            yield f"{kind}_complaints", by, group, shown(spread.complaints)
            yield f"{kind}_working_days_median", by, group, _measure(spread.median)
            yield f"{kind}_working_days_p90", by, group, _measure(spread.p90)
    for level, count in figures.escalations.items():
        yield f"escalated_{level}", "all", "", shown(count)
    for outcome, count in figures.outcomes.items():
        yield "closed", "outcome", outcome, shown(count)
    for score, count in figures.ratings.by_score.items():
        yield "ratings", "score", str(score), shown(count)
    yield "ratings", "all", "", shown(figures.ratings.count)
    yield "rating_average", "all", "", _measure(figures.ratings.average)


def as_csv(published: Published) -> str:
    """The CSV answer: a header, then csv_rows and the open incidents, every cell safe to
    open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = [*csv_rows(published.figures)]
    rows.append(("open_incidents", "all", "", str(len(published.snapshot.open_incidents))))
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return out.getvalue()


_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The statistics; with `?format=csv` one row per figure, as text/csv",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/stats", response_model=PublicStats, responses={**_CSV_RESPONSE, **responses(422, 503)}
)
async def public_stats(
    request: Request,
    pool: PoolDep,
    output: Literal["json", "csv"] = Query("json", alias="format"),
) -> PublicStats | Response:
    """All-time counts by status, outcome, class, escalation level and channel; for the
    current month and the 11 before it: complaints by month, deadlines met and missed by
    unit and class, working days to first response and resolution, escalations, outcomes,
    ratings; open incidents. A count of fewer than 5 complaints is null ("< 5" in CSV).
    At most a minute old."""
    found = await published(request.app, pool)
    if output == "json":
        return found.made("json", lambda: as_json(found))
    month = found.figures.this_month.month.key
    return Response(
        found.made("csv", lambda: as_csv(found)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="aduan-statistik-{month}.csv"'},
    )
