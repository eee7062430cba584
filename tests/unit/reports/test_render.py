"""The monthly report's renderings (aduan/reports/render.py): a PDF that opens, in either
language; text typed by people shown as text in the PDF, the HTML and the CSV, never run."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pypdf
import pytest

from aduan.domain.reports import ComplaintFacts, DeadlineFacts, ExtensionFacts, MonthlyReport
from aduan.domain.vocabulary import DeadlineKind, Status
from aduan.reports.render import (
    CSV_COLUMNS,
    ReportFormat,
    filename,
    render,
    to_typst,
    typst_string,
)
from tests.unit.domain.test_reports import month_of_complaints, report_of

WIB = ZoneInfo("Asia/Jakarta")
# What an officer or an admin might type: Typst markup, code, math, a label, a reference, a
# string that ends early, HTML, and a spreadsheet formula.
HOSTILE_UNIT = '#set text(red) \\ ] "); #panic("x") $x$'
HOSTILE_REASON = '=HYPERLINK("http://x") <script>alert(1)</script> *b* _i_ <lbl> @ref #strong[x]'


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def hostile_report() -> MonthlyReport:
    received = datetime(2026, 12, 7, 9, tzinfo=WIB)
    hostile = ComplaintFacts(
        tracking_code="ADU-HOST-ILE1",
        received_at=received,
        status=Status.IN_PROGRESS,
        unit=HOSTILE_UNIT,
        complaint_class="standard",
        deadlines=(DeadlineFacts(DeadlineKind.RESOLUTION, datetime(2026, 12, 28, tzinfo=WIB)),),
        extensions=(ExtensionFacts(received, "3wd", HOSTILE_REASON, None),),
    )
    return report_of(*month_of_complaints(), hostile)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("two\nlines", '"two\\nlines"'),
        ("bell\x07", '"bell\\u{7}"'),
        (None, '""'),
        (12, '"12"'),
    ],
)
def test_a_value_becomes_a_typst_string_literal(value: object, literal: str) -> None:
    assert typst_string(value) == literal


def test_typed_markup_is_shown_as_text_in_the_pdf() -> None:
    report = hostile_report()
    markup = to_typst(report, "id")
    assert typst_string(HOSTILE_UNIT) in markup and typst_string(HOSTILE_REASON) in markup
    text = pdf_text(render(report, ReportFormat.PDF, "id"))
    assert HOSTILE_UNIT in text and HOSTILE_REASON in text


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_pdf_opens_and_names_the_month_in_its_language(language: str) -> None:
    data = render(report_of(*month_of_complaints()), ReportFormat.PDF, language)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3  # the summary, the lists, every complaint
    first = reader.pages[0].extract_text()
    assert ("Desember 2026" if language == "id" else "December 2026") in first
    assert ("Laporan SLA Bulanan" if language == "id" else "Monthly SLA report") in first


def test_the_same_figures_make_the_same_pdf() -> None:
    report = report_of(*month_of_complaints())
    assert render(report, ReportFormat.PDF, "id") == render(report, ReportFormat.PDF, "id")


def test_the_html_escapes_what_people_typed() -> None:
    html = render(hostile_report(), ReportFormat.HTML, "en").decode()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'lang="en"' in html and "Monthly SLA report" in html


def test_the_csv_has_a_row_per_complaint_and_no_formula_runs() -> None:
    data = render(hostile_report(), ReportFormat.CSV, "id")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["tracking_code"] for r in rows] == ["ADU-1", "ADU-2", "ADU-3", "ADU-HOST-ILE1"]
    hostile = rows[-1]
    assert hostile["extension_reasons"] == "'" + HOSTILE_REASON
    assert hostile["resolution_result"] == "missed" and hostile["resolution_margin"] == "-15.0"
    assert hostile["extensions"] == "1" and hostile["extension_by"] == "3wd"
    late = rows[1]
    assert late["first_response_result"] == "missed"
    assert float(late["first_response_margin"]) == -1.0  # a number, its sign kept
    assert late["first_response_measure"] == "wd"


def test_a_file_name_says_the_month_and_the_unit() -> None:
    report = report_of(*month_of_complaints())
    assert filename(report, ReportFormat.PDF) == "aduan-sla-2026-12.pdf"
    one_unit = MonthlyReport(**{**report.__dict__, "unit": "penagihan/../x"})
    assert filename(one_unit, ReportFormat.CSV) == "aduan-sla-2026-12-penagihan_x.csv"
