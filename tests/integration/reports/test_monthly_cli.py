"""`aduan report monthly` against the session's PostgreSQL, run as a person runs it: two
handled months of one unit (tests/support/reports.py) in, a CSV and a PDF out whose totals
agree, every deadline met or missed by the hand-counted amount, and no personal data."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import sys
from pathlib import Path

import asyncpg
import pypdf
import pytest
import pytest_asyncio

from aduan import i18n
from tests.support.complaints import new_unit
from tests.support.reports import COMPLAINANT, EXTENSION_REASON, REPORTED, TEXT, sla_months


async def aduan(pg_dsn: str, *args: str) -> tuple[int, str, str]:
    """Run the `aduan` command with the session's database; exit code, stdout, stderr."""
    env = {**os.environ, "ADUAN_DATABASE_URL": pg_dsn}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aduan", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest_asyncio.fixture
async def unit(pool: asyncpg.Pool) -> tuple[str, dict[str, str]]:
    """A unit of its own with September and October 2026 handled; its tracking codes."""
    code = new_unit()
    return code, await sla_months(pool, code)


async def report_files(pg_dsn: str, tmp_path: Path, unit: str, *formats: str) -> dict[str, Path]:
    written = {}
    for fmt in formats:
        out = tmp_path / f"report.{fmt}"
        code, stdout, stderr = await aduan(
            pg_dsn, "report", "monthly", "--month", str(REPORTED), "--unit", unit,
            "--format", fmt, "--out", str(out),
        )  # fmt: skip
        assert code == 0, stderr
        assert f"wrote {out}" in stdout
        written[fmt] = out
    return written


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


def pdf_pages(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def percent(met: int, decided: int) -> str:
    return f"{100 * met / decided:.1f}".replace(".", ",") + "%" if decided else "–"


async def test_the_pdf_holds_the_same_totals_as_the_csv(
    pg_dsn: str, tmp_path: Path, unit: tuple[str, dict[str, str]]
) -> None:
    files = await report_files(pg_dsn, tmp_path, unit[0], "csv", "pdf")
    rows = csv_rows(files["csv"])
    pages = pdf_pages(files["pdf"])
    summary = pages[0]

    def t(key: str) -> str:
        return i18n.text("id", f"report.{key}")

    # Totals a spreadsheet makes of the CSV...
    received = len(rows)
    answered = sum(1 for r in rows if r["answered_at"])
    supervisor = sum(1 for r in rows if r["escalated_supervisor_at"])
    ombudsman = sum(1 for r in rows if r["escalated_ombudsman_at"])
    extensions = sum(int(r["extensions"]) for r in rows)
    tally = {
        kind: {
            result: sum(1 for r in rows if r[f"{kind}_result"] in results)
            for result, results in (
                ("met", {"met"}),
                ("missed", {"missed"}),
                ("open", {"open", "paused"}),
            )
        }
        for kind in ("routing", "first_response", "resolution", "field_check")
    }
    met = sum(k["met"] for k in tally.values())
    missed = sum(k["missed"] for k in tally.values())
    # ...are the PDF's: the summary table (this month first), the deadlines' table, the headlines.
    assert f"{t('trend.received')} {received} " in summary
    assert f"{t('trend.answered')} {answered} " in summary
    assert f"{t('trend.missed')} {missed} " in summary
    assert f"{t('trend.escalated.supervisor')} {supervisor} " in summary
    assert f"{t('trend.escalated.ombudsman')} {ombudsman} " in summary
    assert f"{t('trend.extensions')} {extensions} " in summary
    assert f"{t('trend.on_time')} {percent(met, met + missed)} " in summary
    for kind, counts in tally.items():
        decided = counts["met"] + counts["missed"]
        row = f"{t('deadline.' + kind)} {counts['met']} {counts['missed']} {counts['open']}"
        assert f"{row} {percent(counts['met'], decided)}" in summary, kind
    assert f"{t('headline.received')} {received} " in summary
    # And the figures are the hand-counted ones of tests/support/reports.py.
    assert (received, answered, supervisor, ombudsman, extensions) == (6, 3, 3, 1, 1)
    assert tally["first_response"] == {"met": 2, "missed": 3, "open": 0}
    assert tally["resolution"] == {"met": 3, "missed": 1, "open": 1}
    assert (met, missed) == (11, 4)
    # The month before, for the trend: 3 received, 1 missed, 1 escalation.
    assert f"{t('trend.received')} 6 3 +3" in summary
    assert f"{t('trend.missed')} 4 1 +3" in summary
    # Every complaint of the CSV is listed in the PDF, and only those.
    listed = set(re.findall(r"ADU-[A-Z0-9]{4}-[A-Z0-9]{4}", " ".join(pages)))
    assert listed == {r["tracking_code"] for r in rows}


async def test_each_deadline_is_met_or_missed_by_the_hand_counted_amount(
    pg_dsn: str, tmp_path: Path, unit: tuple[str, dict[str, str]]
) -> None:
    files = await report_files(pg_dsn, tmp_path, unit[0], "csv")
    by_code = {r["tracking_code"]: r for r in csv_rows(files["csv"])}
    row = {name: by_code[code] for name, code in unit[1].items() if code in by_code}
    assert set(row) == {
        "on_time",
        "late_then_extended",
        "urgent_late_in_hours",
        "ignored",
        "rejected",
        "waiting",
    }

    def judged(name: str, kind: str) -> tuple[str, str, str]:
        r = row[name]
        return r[f"{kind}_result"], r[f"{kind}_margin"], r[f"{kind}_measure"]

    # Acknowledged Tuesday 09:00, due at the end of Thursday: 15 hours and two days to spare.
    assert judged("on_time", "first_response") == ("met", "2.62", "wd")
    assert judged("on_time", "resolution") == ("met", "7.5", "wd")
    # Due at the end of Friday, acknowledged Monday noon: half a working day late.
    assert judged("late_then_extended", "first_response") == ("missed", "-0.5", "wd")
    # Extended by 5 working days (to the end of Monday 2 November), answered Friday 15:00.
    assert judged("late_then_extended", "resolution") == ("met", "1.38", "wd")
    assert row["late_then_extended"]["extension_reasons"] == EXTENSION_REASON
    assert row["late_then_extended"]["extension_by"] == "5wd"
    # Urgent: 24 hours to the first response, given 6 hours after that.
    assert judged("urgent_late_in_hours", "first_response") == ("missed", "-6.0", "h")
    # Never acknowledged: late and counting, escalated twice.
    result, margin, _ = judged("ignored", "first_response")
    assert result == "missed" and float(margin) < -20
    assert row["ignored"]["escalated_ombudsman_at"] == "2026-10-30T00:00:00+07:00"
    assert row["ignored"]["answered_at"] == ""
    # Rejected before anything was due; information requested with the clocks paused.
    assert judged("rejected", "first_response") == ("stopped", "", "wd")
    assert judged("waiting", "resolution") == ("paused", "", "wd")
    assert row["rejected"]["outcome"] == "rejected" and row["rejected"]["category"] == "other"
    # Handling: Monday 09:00 to Wednesday-week noon is 7.125 working days.
    assert row["on_time"]["handling_working_days"] == "7.12"


async def test_no_report_holds_the_complainant_or_the_complaint_text(
    pg_dsn: str, tmp_path: Path, unit: tuple[str, dict[str, str]]
) -> None:
    files = await report_files(pg_dsn, tmp_path, unit[0], "csv", "html", "pdf")
    texts = {
        "csv": files["csv"].read_text("utf-8-sig"),
        "html": files["html"].read_text("utf-8"),
        "pdf": " ".join(pdf_pages(files["pdf"])),
    }
    for fmt, text in texts.items():
        for secret in (*COMPLAINANT.values(), TEXT, "Siti", "Melati"):
            assert secret not in text, (fmt, secret)
        assert EXTENSION_REASON in text, fmt  # the officer's reason is the provider's own words


@pytest.mark.parametrize(
    ("month", "says"),
    [("2026-13", "01 to 12"), ("October", "YYYY-MM"), ("2999-01", "has not begun")],
)
async def test_a_bad_month_is_refused_with_exit_code_2(
    pg_dsn: str, tmp_path: Path, month: str, says: str
) -> None:
    out = tmp_path / "never.pdf"
    code, _, stderr = await aduan(pg_dsn, "report", "monthly", "--month", month, "--out", str(out))
    assert code == 2 and "--month" in stderr and says in stderr
    assert not out.exists()


async def test_the_command_prints_a_one_line_summary(
    pg_dsn: str, tmp_path: Path, unit: tuple[str, dict[str, str]]
) -> None:
    out = tmp_path / "r.html"
    code, stdout, _ = await aduan(
        pg_dsn, "report", "monthly", "--month", "2026-10", "--unit", unit[0],
        "--format", "html", "--out", str(out), "--lang", "en",
    )  # fmt: skip
    assert code == 0
    assert (
        f"2026-10 {unit[0]}: 6 complaints received, 73.3% of deadlines on time (4 missed)" in stdout
    )
    assert "October 2026" in out.read_text() and 'lang="en"' in out.read_text()
