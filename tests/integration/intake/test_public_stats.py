"""GET /v1/public/stats: aggregates that count what happened, and nothing personal."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
import pytest_asyncio

from aduan.config import Settings
from aduan.domain.calendar import WorkingCalendar
from aduan.domain.figures import Month, months_ending
from aduan.store import stats
from aduan.store.transitions import DeadlineChange, Transition, record
from devtools.servers import free_port
from services.intake.app import create_app
from services.intake.routes import stats as stats_routes
from services.intake.routes.stats import CACHE_SECONDS
from tests.support.complaints import insert_complaint, new_unit
from tests.support.http import asgi_client


class Clock:
    """The statistics cache's clock, moved by the test: a period passes without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def intake(pg_dsn: str, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=pg_dsn))
    stats_routes.cache(app).clock = clock
    async with asgi_client(app, "http://intake") as client:
        yield client


@pytest.fixture
def query_sets(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each time the statistics' queries run against the database."""
    ran: list[int] = []
    real = stats.read

    async def counted(pool: asyncpg.Pool, *args: Any) -> stats.Snapshot:
        ran.append(1)
        return await real(pool, *args)

    monkeypatch.setattr(stats, "read", counted)
    return ran


async def test_stats_count_outcomes_and_deadlines_without_personal_data(
    intake: httpx.AsyncClient,
    pool: asyncpg.Pool,
    clock: Clock,
) -> None:
    before = (await intake.get("/v1/public/stats")).json()
    received = datetime.now(UTC) - timedelta(days=2)
    complaint_id = await insert_complaint(
        pool, received_at=received, complainant={"name": "Rahasia Sekali", "confidential": True}
    )
    await record(
        pool,
        Transition(
            complaint_id=complaint_id,
            step="stats-routed",
            event_type="routed",
            status="routed",
            escalation_level="none",
            occurred_at=received,
            complaint_class="urgent",
            deadlines=[
                DeadlineChange(
                    kind="first_response",
                    started_at=received,
                    due_at=received + timedelta(hours=24),
                )
            ],
        ),
    )
    await record(
        pool,
        Transition(
            complaint_id=complaint_id,
            step="stats-ack",
            event_type="acknowledged",
            status="in_progress",
            escalation_level="none",
            occurred_at=received + timedelta(hours=6),
            deadlines=[DeadlineChange(kind="first_response", met_at=received + timedelta(hours=6))],
        ),
    )

    clock.now += CACHE_SECONDS
    answer = await intake.get("/v1/public/stats")
    assert answer.status_code == 200
    after = answer.json()
    assert after["complaints"] == before["complaints"] + 1
    assert after["by_status"]["in_progress"] == before["by_status"].get("in_progress", 0) + 1
    first = after["deadlines"]["first_response"]
    assert first["met"] == before["deadlines"].get("first_response", {}).get("met", 0) + 1
    assert first["median_hours_to_meet"] is not None
    assert "Rahasia" not in answer.text and "description" not in answer.text


async def test_a_burst_of_requests_runs_the_queries_once_per_period(
    intake: httpx.AsyncClient,
    clock: Clock,
    query_sets: list[int],
) -> None:
    burst = await asyncio.gather(*(intake.get("/v1/public/stats") for _ in range(20)))
    assert {answer.status_code for answer in burst} == {200}
    assert len({answer.text for answer in burst}) == 1
    assert len(query_sets) == 1  # the 19 others waited for the first one's queries

    clock.now += CACHE_SECONDS - 0.1
    for _ in range(5):
        assert (await intake.get("/v1/public/stats")).text == burst[0].text
    assert len(query_sets) == 1


async def test_a_new_complaint_is_counted_once_the_period_is_over(
    intake: httpx.AsyncClient,
    pool: asyncpg.Pool,
    clock: Clock,
    query_sets: list[int],
) -> None:
    before = (await intake.get("/v1/public/stats")).json()["complaints"]
    await insert_complaint(pool)
    assert (await intake.get("/v1/public/stats")).json()["complaints"] == before
    clock.now += CACHE_SECONDS
    assert (await intake.get("/v1/public/stats")).json()["complaints"] == before + 1
    assert len(query_sets) == 2


# A fixture month, counted again by independent SQL ------------------------------------------

WIB = ZoneInfo("Asia/Jakarta")
CALENDAR = WorkingCalendar()


def cell(count: int) -> str:
    """How the page and the CSV must write a count (the rule, restated for the test)."""
    return "< 5" if count < 5 else str(count)


def page_cells(html: str) -> dict[str, str]:
    return {k: unescape(v).strip() for k, v in re.findall(r'data-cell="([^"]+)">([^<]*)<', html)}


def csv_cells(text: str) -> dict[tuple[str, str, str], str]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["figure", "by", "key", "value"]
    return {(figure, by, key): value for figure, by, key, value in rows[1:]}


@dataclass
class Fixture:
    """What the test put in the fixture month: its bounds, a unit and a class of its own."""

    month: Month
    start: datetime
    end: datetime
    unit: str
    complaint_class: str


def _working_day(month: Month, weekday: int, then: int = 0) -> date:
    """The first day of `month` on `weekday` that is a working day, as is the day `then`
    days later (still in the month)."""
    day = month.first_day
    while day.month == month.month:
        later = day + timedelta(days=then)
        if (
            day.weekday() == weekday
            and later.month == month.month
            and CALENDAR.is_working_day(day)
            and CALENDAR.is_working_day(later)
        ):
            return day
        day += timedelta(days=1)
    raise AssertionError(f"no such day in {month.key}")


async def _timeline(
    pool: asyncpg.Pool, complaint_id: uuid.UUID, event: str, at: datetime, **data: Any
) -> None:
    await pool.execute(
        """INSERT INTO timeline (complaint_id, step, event_type, status, escalation_level,
            data, occurred_at) VALUES ($1, $2, $3, 'closed', 'none', $4, $5)""",
        complaint_id,
        f"{event}-{uuid.uuid4().hex[:8]}",
        event,
        data,
        at,
    )


async def _deadline(
    pool: asyncpg.Pool,
    complaint_id: uuid.UUID,
    kind: str,
    started: datetime,
    *,
    met: datetime | None = None,
    missed: datetime | None = None,
) -> None:
    await pool.execute(
        """INSERT INTO deadlines (complaint_id, kind, started_at, due_at, met_at, missed_at)
        VALUES ($1, $2, $3, $4, $5, $6)""",
        complaint_id,
        kind,
        started,
        started + timedelta(days=3),
        met,
        missed,
    )


@pytest_asyncio.fixture
async def fixture_month(pool: asyncpg.Pool) -> Fixture:
    """Three months ago: complaints at the month's edges, closings, escalations, deadlines
    with known working days, ratings."""
    month = months_ending(datetime.now(UTC), WIB)[-4]
    start, end = month.start(WIB), month.next().start(WIB)
    unit, klass = new_unit(), f"kelas-{uuid.uuid4().hex[:6]}"
    day = datetime.combine(_working_day(month, 0), time(0), WIB)  # a working Monday
    friday = datetime.combine(_working_day(month, 4, then=3), time(12), WIB)
    receipts = [
        start,  # 00:00 WIB on the 1st: still the day before in UTC, this month in Jakarta
        start + timedelta(hours=3),
        *(day + timedelta(minutes=m) for m in range(1, 8)),
        end - timedelta(seconds=1),
    ]
    made = []
    for received in receipts:
        complaint_id = await insert_complaint(pool, received_at=received)
        await pool.execute(
            "UPDATE complaints SET unit = $2, complaint_class = $3 WHERE id = $1",
            complaint_id,
            unit,
            klass,
        )
        made.append(complaint_id)
    await insert_complaint(pool, received_at=end)  # 00:00 of the next month: not this one
    for complaint_id, outcome in zip(made[:3], ("resolved", "resolved", "rejected"), strict=True):
        await _timeline(pool, complaint_id, "closed", day + timedelta(hours=20), outcome=outcome)
    for complaint_id in made[:6]:
        await _timeline(
            pool, complaint_id, "escalated", day + timedelta(hours=9), level="supervisor"
        )
    for complaint_id in made[:2]:
        await _timeline(
            pool, complaint_id, "escalated", day + timedelta(hours=10), level="ombudsman"
        )
    # An appeal takes the first to the Ombudsman again next month: it counts once, here.
    await _timeline(pool, made[0], "escalated", end + timedelta(days=2), level="ombudsman")
    # First responses: seven within one working day, one over a weekend (Friday noon to
    # Monday noon: one working day); two missed. Resolutions: five met, one missed.
    spans = [0.1, 0.2, 0.25, 0.3, 0.5, 0.6, 0.7]
    for complaint_id, span in zip(made[:7], spans, strict=True):
        await _deadline(pool, complaint_id, "first_response", day, met=day + timedelta(days=span))
    await _deadline(pool, made[7], "first_response", friday, met=friday + timedelta(days=3))
    for complaint_id in made[8:10]:
        await _deadline(pool, complaint_id, "first_response", day, missed=day + timedelta(days=3))
    for complaint_id in made[:5]:
        await _deadline(pool, complaint_id, "resolution", day, met=day + timedelta(hours=12))
    await _deadline(pool, made[5], "resolution", day, missed=day + timedelta(days=3))
    for complaint_id, score in zip(made[:6], (5, 5, 4, 5, 3, 5), strict=True):
        await _timeline(pool, complaint_id, "rated", day + timedelta(hours=22), score=score)
    return Fixture(month, start, end, unit, klass)


async def _independent(pool: asyncpg.Pool, f: Fixture) -> dict[str, int]:
    """The fixture month counted again, by ranges of instants rather than local months."""
    period_start = months_ending(datetime.now(UTC), WIB)[0].start(WIB)
    found: dict[str, int] = {}
    found["received"] = await pool.fetchval(
        "SELECT count(*) FROM complaints WHERE received_at >= $1 AND received_at < $2",
        f.start,
        f.end,
    )
    found["closed"] = await pool.fetchval(
        """SELECT count(DISTINCT complaint_id) FROM timeline WHERE event_type = 'closed'
        AND occurred_at >= $1 AND occurred_at < $2""",
        f.start,
        f.end,
    )
    found["open"] = await pool.fetchval(
        """SELECT count(*) FROM complaints c WHERE c.received_at < $1 AND NOT EXISTS (
            SELECT 1 FROM timeline t WHERE t.complaint_id = c.id AND t.event_type = 'closed'
            AND t.occurred_at < $1)""",
        f.end,
    )
    for level in ("supervisor", "ombudsman"):
        found[f"escalated_{level}"] = await pool.fetchval(
            """SELECT count(*) FROM complaints c WHERE (SELECT min(occurred_at) FROM timeline t
                WHERE t.complaint_id = c.id AND t.event_type = 'escalated'
                AND t.data->>'level' = $1) <@ tstzrange($2, $3)""",
            level,
            f.start,
            f.end,
        )
    for kind in ("first_response", "resolution"):
        found[f"{kind}_met"] = await pool.fetchval(
            """SELECT count(*) FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
            WHERE c.unit = $1 AND d.kind = $2 AND d.missed_at IS NULL AND d.met_at >= $3""",
            f.unit,
            kind,
            period_start,
        )
        found[f"{kind}_missed"] = await pool.fetchval(
            """SELECT count(*) FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
            WHERE c.unit = $1 AND d.kind = $2 AND d.missed_at >= $3""",
            f.unit,
            kind,
            period_start,
        )
    # A rating is a score of 1 to 5: other tests store bare `rated` steps without one.
    found["ratings"] = await pool.fetchval(
        """SELECT count(*) FROM timeline WHERE event_type = 'rated' AND occurred_at >= $1
            AND (data->>'score')::int BETWEEN 1 AND 5""",
        period_start,
    )
    return found


async def test_the_page_json_and_csv_equal_an_independent_count_of_a_fixture_month(
    intake: httpx.AsyncClient, pool: asyncpg.Pool, fixture_month: Fixture, clock: Clock
) -> None:
    f, key = fixture_month, fixture_month.month.key
    expected = await _independent(pool, f)
    # What the fixture alone makes certain, whatever other tests stored: the "< 5" cells.
    assert expected["first_response_met"] == 8 and expected["first_response_missed"] == 2
    assert expected["resolution_met"] == 5 and expected["resolution_missed"] == 1

    clock.now += CACHE_SECONDS  # figures read after the fixture
    page = await intake.get("/statistik")
    assert page.status_code == 200
    assert "Content-Security-Policy" in page.headers and "<script" not in page.text
    cells = page_cells(page.text)
    for name in ("received", "closed", "open", "escalated_supervisor", "escalated_ombudsman"):
        assert cells[f"month:{key}:{name}"] == cell(expected[name]), name
    for kind in ("first_response", "resolution"):
        for outcome in ("met", "missed"):
            count = expected[f"{kind}_{outcome}"]
            assert cells[f"unit:{f.unit}:{kind}:{outcome}"] == cell(count)
            assert cells[f"class:{f.complaint_class}:{kind}:{outcome}"] == cell(count)
    assert cells[f"unit:{f.unit}:first_response:met"] == "8"
    assert cells[f"unit:{f.unit}:first_response:missed"] == "< 5"
    assert cells[f"unit:{f.unit}:resolution:missed"] == "< 5"
    # Working days of the class's first responses: 0.1 ... 0.7 and the weekend's 1.0.
    assert cells[f"days:{f.complaint_class}:first_response:complaints"] == "8"
    assert cells[f"days:{f.complaint_class}:first_response:median"] == "0,4"  # (0.3 + 0.5) / 2
    assert cells[f"days:{f.complaint_class}:first_response:p90"] == "0,79"  # 0.7 + 0.3 * 0.3
    assert cells[f"days:{f.complaint_class}:resolution:median"] == "0,5"

    answer = (await intake.get("/v1/public/stats")).json()
    month = next(m for m in answer["by_month"] if m["month"] == key)
    for name in ("received", "closed", "open", "escalated_supervisor", "escalated_ombudsman"):
        assert month[name] == (expected[name] if expected[name] >= 5 else None), name
    assert answer["hidden_below"] == 5
    assert answer["deadlines_by_unit"][f.unit] == {
        "first_response": {"met": 8, "missed": None},
        "resolution": {"met": 5, "missed": None},
    }
    spread = answer["working_days_by_class"][f.complaint_class]["first_response"]
    assert spread == {"complaints": 8, "median": 0.4, "p90": 0.79}
    assert answer["ratings"]["count"] == (expected["ratings"] if expected["ratings"] >= 5 else None)

    rows = csv_cells((await intake.get("/v1/public/stats", params={"format": "csv"})).text)
    for name in ("received", "closed", "open", "escalated_supervisor", "escalated_ombudsman"):
        assert rows[(name, "month", key)] == cell(expected[name]), name
    assert rows[("first_response_met", "unit", f.unit)] == "8"
    assert rows[("first_response_missed", "unit", f.unit)] == "< 5"
    assert rows[("first_response_working_days_median", "class", f.complaint_class)] == "0.4"


async def test_the_english_page_writes_numbers_in_english(
    intake: httpx.AsyncClient, fixture_month: Fixture, clock: Clock
) -> None:
    clock.now += CACHE_SECONDS
    page = await intake.get("/statistik", params={"lang": "en"})
    assert '<html lang="en">' in page.text and "Complaint statistics" in page.text
    cells = page_cells(page.text)
    assert cells[f"days:{fixture_month.complaint_class}:first_response:p90"] == "0.79"
    assert cells[f"unit:{fixture_month.unit}:resolution:missed"] == "< 5"


async def test_the_page_the_json_and_the_csv_share_one_query_set_per_minute(
    intake: httpx.AsyncClient, clock: Clock, query_sets: list[int]
) -> None:
    paths = ["/statistik", "/statistik?lang=en", "/v1/public/stats", "/v1/public/stats?format=csv"]
    burst = await asyncio.gather(*(intake.get(path) for path in paths * 10))
    assert {answer.status_code for answer in burst} == {200}
    assert len(query_sets) == 1
    clock.now += CACHE_SECONDS - 0.1
    for path in paths:
        assert (await intake.get(path)).status_code == 200
    assert len(query_sets) == 1
    clock.now += 0.1
    await intake.get("/statistik")
    assert len(query_sets) == 2


UNIT = "=HYPERLINK(1)<b>x</b>"  # a unit code no admin should type, but one could


async def test_a_csv_cell_a_spreadsheet_would_run_is_written_as_text(
    intake: httpx.AsyncClient, pool: asyncpg.Pool, clock: Clock
) -> None:
    now = datetime.now(UTC)
    complaint_id = await insert_complaint(pool, received_at=now)
    await pool.execute("UPDATE complaints SET unit = $2 WHERE id = $1", complaint_id, UNIT)
    await _deadline(pool, complaint_id, "first_response", now, met=now)
    clock.now += CACHE_SECONDS
    answer = await intake.get("/v1/public/stats", params={"format": "csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = csv_cells(answer.text)
    assert rows[("first_response_met", "unit", "'" + UNIT)] == "< 5"
    page = await intake.get("/statistik")
    assert UNIT in unescape(page.text) and "<b>" not in page.text  # text, in tables and charts


async def test_an_unknown_format_is_refused_naming_the_field(intake: httpx.AsyncClient) -> None:
    answer = await intake.get("/v1/public/stats", params={"format": "xlsx"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["query.format"]


async def test_without_the_database_the_page_says_so() -> None:
    app = create_app(Settings(database_url=f"postgresql://aduan@127.0.0.1:{free_port()}/aduan"))
    async with asgi_client(app, "http://intake") as client:
        page = await client.get("/statistik")
    assert page.status_code == 503
    assert "Statistik tidak dapat dihitung" in page.text
