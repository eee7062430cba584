"""The monthly SLA report as CSV (one row per complaint, for spreadsheets), as HTML, and as
PDF (Typst markup from a Jinja2 template, compiled in memory with the typst package's own
fonts). Texts in the reader's language; no personal data (docs/reports.md)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import typst
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from aduan import i18n
from aduan.domain.policy import parse_duration
from aduan.domain.reports import (
    REPORTED,
    ComplaintRow,
    DeadlineResult,
    MonthlyReport,
    Result,
    Trend,
)
from aduan.domain.vocabulary import EscalationLevel

TEMPLATES = Path(__file__).resolve().parent / "templates"


class ReportFormat(StrEnum):
    """The formats a report is written in."""

    PDF = "pdf"
    CSV = "csv"
    HTML = "html"

    @property
    def media_type(self) -> str:
        """The Content-Type of a download in this format."""
        return {
            ReportFormat.PDF: "application/pdf",
            ReportFormat.CSV: "text/csv; charset=utf-8",
            ReportFormat.HTML: "text/html; charset=utf-8",
        }[self]


# Machine names, the same in every language: a spreadsheet's formulas outlive a translation.
CSV_COLUMNS = (
    "tracking_code", "unit", "complaint_class", "category", "channel", "received_at", "status",
    "outcome", "escalation_level",
    *(f"{kind}_{part}" for kind in REPORTED for part in ("due_at", "result", "margin", "measure")),
    "escalated_supervisor_at", "escalated_ombudsman_at", "extensions", "extension_by",
    "extension_reasons", "answered_at", "closed_at", "handling_working_days",
)  # fmt: skip


def render(report: MonthlyReport, fmt: ReportFormat, language: str) -> bytes:
    """The report in `fmt`; `language` is that of the HTML and PDF texts (CSV has codes)."""
    if fmt == ReportFormat.CSV:
        return to_csv(report)
    if fmt == ReportFormat.HTML:
        return to_html(report, language).encode()
    return to_pdf(report, language)


def filename(report: MonthlyReport, fmt: ReportFormat) -> str:
    """`aduan-sla-2026-12.pdf`, or with the unit: `aduan-sla-2026-12-penagihan.pdf`."""
    unit = re.sub(r"[^A-Za-z0-9_-]+", "_", report.unit)[:60] if report.unit else ""
    return f"aduan-sla-{report.month}{'-' + unit if unit else ''}.{fmt}"


def summary_line(report: MonthlyReport) -> str:
    """The report in one line, for the command line (English, as the command speaks)."""
    f = report.figures
    on_time = (
        "no deadline decided" if f.on_time is None else f"{f.on_time:.1%} of deadlines on time"
    )
    return (
        f"{report.month} {report.unit or 'all units'}: {f.received} complaints received,"
        f" {on_time} ({f.missed} missed), {f.escalated} escalations, {f.extensions} extensions"
    )


# CSV -------------------------------------------------------------------------------------


def to_csv(report: MonthlyReport) -> bytes:
    """Every complaint of the month, one row each; UTF-8 with a BOM so spreadsheets read it."""
    zone = ZoneInfo(report.timezone)

    def moment(value: datetime | None) -> str:
        return value.astimezone(zone).isoformat(timespec="seconds") if value else ""

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        c = row.facts
        cells: list[object] = [
            c.tracking_code, c.unit, c.complaint_class, c.category, c.channel,
            moment(c.received_at), c.status, c.outcome, c.escalation_level,
        ]  # fmt: skip
        for kind in REPORTED:
            judged = row.deadlines.get(kind)
            cells += (
                [
                    moment(judged.due_at),
                    judged.result,
                    "" if judged.margin is None else round(judged.margin, 2),
                    judged.measure,
                ]
                if judged
                else ["", "", "", ""]
            )
        cells += [
            moment(row.escalated_at(EscalationLevel.SUPERVISOR)),
            moment(row.escalated_at(EscalationLevel.OMBUDSMAN)),
            len(c.extensions),
            "; ".join(x.by for x in c.extensions),
            "; ".join(x.reason for x in c.extensions),
            moment(row.answered_at),
            moment(c.closed_at),
            round(row.handling_days, 2),
        ]
        writer.writerow([_cell(value) for value in cells])
    return ("\ufeff" + out.getvalue()).encode()


def _cell(value: object) -> object:
    if value is None:
        return ""
    if not isinstance(value, str):
        return value  # a number stays a number, its minus sign included
    # Text a spreadsheet would run as a formula (a unit code, an officer's reason) stays text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# What the HTML and Typst templates share -----------------------------------------------


class Words:
    """The report's texts and numbers in one language, for the templates."""

    def __init__(self, report: MonthlyReport, language: str) -> None:
        self.report, self.language = report, language
        self.zone = ZoneInfo(report.timezone)

    def t(self, key: str, /, **values: Any) -> str:
        """The catalogue's text."""
        return i18n.text(self.language, key, **values)

    def number(self, value: float | None, decimals: int = 0) -> str:
        """A count or a number of days, as the language writes it; "–" when unknown."""
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, pattern, locale=self.language)

    def percent(self, share: float | None) -> str:
        """A share as a percentage with one decimal; "–" when nothing was decided."""
        return "–" if share is None else format_percent(share, "#,##0.0%", locale=self.language)

    def change(self, trend: Trend) -> str:
        """+3, −2, +6,7 poin (percentage points), "tetap" (no change), or "–" (unknown)."""
        change = trend.change
        if change is None:
            return "–"
        if change == 0:
            return self.t("report.unchanged")
        if trend.percent:
            points = format_decimal(abs(change) * 100, "#,##0.0", locale=self.language)
            return f"{_sign(change)}{points} {self.t('report.points')}"
        return _sign(change) + self.number(abs(change), trend.decimals)

    def trend_value(self, trend: Trend, value: float | None) -> str:
        """A trend's figure for one month."""
        if trend.percent:
            return self.percent(value)
        return self.number(value, trend.decimals)

    def tone(self, trend: Trend) -> str:
        """ "good", "late" (worse) or "" for a change."""
        return {True: "good", False: "late", None: ""}[trend.better]

    def month(self) -> str:
        """The month in words: Desember 2026."""
        return format_date(self.report.month.first_day, "LLLL y", locale=self.language)

    def previous_month(self) -> str:
        """The month before in words."""
        day = self.report.month.previous().first_day
        return format_date(day, "LLLL y", locale=self.language)

    def scope(self) -> str:
        """Which complaints: every unit's, or one unit's."""
        unit = self.report.unit
        return self.t("report.scope.unit", unit=unit) if unit else self.t("report.scope.all")

    def when(self, moment: datetime | None) -> str:
        """A moment in the provider's zone; a deadline at 00:00 reads as 24.00 the day before."""
        if moment is None:
            return "–"
        return i18n.moment(
            moment,
            self.language,
            self.zone,
            self.t("report.when"),
            midnight=self.t("report.when.midnight"),
        )

    def unit(self, code: str | None) -> str:
        """A unit code, or a word for a complaint no unit has yet."""
        return code or self.t("report.no_unit")

    def kind(self, kind: str) -> str:
        """A deadline's name (its code, for one this version does not know)."""
        return i18n.catalogue(self.language).get(f"report.deadline.{kind}", kind)

    def margin(self, judged: DeadlineResult | None) -> str:
        """+1,5 hk to spare, −2,0 hk late (and "belum" while still not done), or the state."""
        if judged is None:
            return "–"
        if judged.margin is None:
            return self.t(f"report.result.{judged.result}")
        amount = self.number(abs(judged.margin), 1)
        text = f"{_sign(judged.margin, judged.result == Result.MISSED)}{amount} "
        text += self.t(f"report.measure.{judged.measure}")
        if judged.result == Result.MISSED and judged.done_at is None:
            text += " " + self.t("report.not_done")
        return text

    def duration(self, text: str) -> str:
        """An extension's length as the policy writes it (5wd) in words of the report (5 hk)."""
        try:
            span = parse_duration(text)
        except ValueError:
            return text
        measure = span.unit if span.unit in ("wd", "h") else None
        if measure is None:
            return text
        return f"{self.number(span.amount, 0 if span.amount.is_integer() else 1)} " + self.t(
            f"report.measure.{measure}"
        )

    def result_tone(self, judged: DeadlineResult | None) -> str:
        """ "good" for a deadline met, "late" for one missed, "" otherwise."""
        if judged is None:
            return ""
        return {Result.MET: "good", Result.MISSED: "late"}.get(judged.result, "")

    def state(self, row: ComplaintRow) -> str:
        """Where the complaint stands: its outcome when closed, else its status."""
        c = row.facts
        if c.outcome:
            return self.t(f"report.outcome.{c.outcome}")
        return self.t(f"desk.status.{c.status}")

    def level(self, level: str) -> str:
        """An escalation level, short."""
        return self.t(f"report.level.{level}")

    def handling(self, row: ComplaintRow) -> str:
        """Working days of handling, marked while the complaint is still open."""
        days = self.number(row.handling_days, 1)
        return days if row.finished else f"{days} ({self.t('report.still_open')})"

    def as_of(self) -> str:
        """The moment the figures hold for."""
        return self.t("report.as_of", moment=self.when(self.report.as_of))


def _sign(value: float, negative: bool = False) -> str:
    # A late deadline reads "−0,0" rather than "+0,0" when it was late by under a minute.
    return "−" if value < 0 or negative else "+"


def _context(report: MonthlyReport, language: str) -> dict[str, Any]:
    return {"r": report, "w": Words(report, language), "lang": language, "REPORTED": REPORTED}


# HTML ------------------------------------------------------------------------------------

_HTML = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,  # every value is escaped; none is marked safe
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def to_html(report: MonthlyReport, language: str) -> str:
    """The report as one self-contained HTML page (styles inline, nothing fetched)."""
    return _HTML.get_template("monthly.html").render(_context(report, language))


# PDF through Typst -----------------------------------------------------------------------


def typst_string(value: object) -> str:
    """`value` as a Typst string literal: shown as text, never read as markup or code."""
    out = ['"']
    for ch in "" if value is None else str(value):
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 32 or ord(ch) == 127 or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# Every {{ value }} of the Typst template becomes a string literal (the way autoescape makes
# HTML safe): a unit code or an officer's reason cannot open markup, code or math there.
_TYPST = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=False,
    finalize=typst_string,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    comment_start_string="{##",  # Typst's own `{#` must not start a Jinja2 comment
    comment_end_string="##}",
)


@cache
def _fonts() -> typst.Fonts:
    # Only the fonts inside the typst wheel: the same PDF on every machine, nothing to install.
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True)


def to_typst(report: MonthlyReport, language: str) -> str:
    """The report as Typst markup."""
    return _TYPST.get_template("monthly.typ").render(_context(report, language))


def to_pdf(report: MonthlyReport, language: str) -> bytes:
    """The report as PDF, compiled in memory; its creation time is the report's moment, so
    the same figures give the same bytes."""
    markup = to_typst(report, language).encode()
    pdf = typst.compile(
        markup,
        format="pdf",
        font_paths=_fonts(),
        ignore_system_fonts=True,
        timestamp=int(report.as_of.timestamp()),
    )
    assert isinstance(pdf, bytes)
    return pdf
