"""The statistics page's charts: SVG a strict Content-Security-Policy displays (no script, no
outside reference), named for assistive technology, the "< 5" cells drawn apart."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from services.intake.charts import HIDDEN_COLOUR, Series, bars

SVG = "{http://www.w3.org/2000/svg}"


def _chart(**kwargs: object) -> str:
    return bars(
        "Pengaduan per bulan",
        ["Jan 2026", "Feb 2026", "<b>Mar</b>"],
        [Series("Diterima", [12, None, 7]), Series("Selesai", [None, 5, 6])],
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_chart_is_an_inline_image_with_a_title_and_nothing_to_fetch_or_run() -> None:
    svg = _chart(hidden_name="< 5 (tidak ditampilkan)")
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").text == "Pengaduan per bulan"  # type: ignore[union-attr]
    assert "<script" not in svg and "<!--" not in svg
    assert not re.search(r'(href|src)="(?!#)', svg)  # no link, image or font from elsewhere
    assert "@import" not in svg and "url(http" not in svg
    assert [n.get("id") for n in root.iter() if n.get("id")] == [root.get("id")]
    assert "&lt;b&gt;Mar&lt;/b&gt;" in svg  # a name is text, never markup


def test_two_charts_do_not_share_an_id() -> None:
    assert ElementTree.fromstring(_chart()).get("id") != ElementTree.fromstring(_chart()).get("id")


def test_a_count_not_published_is_drawn_pale_and_named_in_the_legend() -> None:
    svg = _chart(hidden_name="< 5 (tidak ditampilkan)")
    assert svg.count("stroke-dasharray:4 3") == 2  # the two hidden cells
    assert "&lt; 5 (tidak ditampilkan)" in svg and HIDDEN_COLOUR in svg
    plain = bars("Hari kerja", ["Tanggapan pertama"], [Series("Median", [None])])
    assert "stroke-dasharray:4 3" not in plain  # a measure not published is no bar at all
