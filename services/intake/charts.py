"""The statistics page's charts: pygal's SVG, inline in the page, with no script, no external
font or stylesheet (the page's Content-Security-Policy allows neither, and none is needed).

Each chart is an image with a <title> for its name; its numbers are in the table beside it,
which is what a screen reader reads. A count that is not published ("< 5") is drawn as a
pale dashed bar up to 4, the most it can be, and named in the legend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import pygal
from markupsafe import Markup
from pygal.style import Style

from aduan.domain.disclosure import SMALLEST_SHOWN, Shown

# The page's own colours (services/intake/templates/pages/base.html), dark enough to read.
SERIES_COLOURS = ("#0b5394", "#cf222e", "#1a7f37", "#9a6700", "#6639ba", "#57606a")
HIDDEN_COLOUR = "#afb8c1"
_HIDDEN_STYLE = f"fill:{HIDDEN_COLOUR};fill-opacity:.45;stroke:#57606a;stroke-dasharray:4 3"
_FONT = 'system-ui,-apple-system,"Segoe UI",Roboto,sans-serif'
WIDTH = 440  # drawn for a phone's width; the page scales it to its column
LABEL_CHARS = 22  # a longer name is cut with "…" (the table beside has it whole)


@dataclass(frozen=True)
class Series:
    """One row of bars: its name in the legend and a published count (or measure) per label."""

    name: str
    values: Sequence[Shown | float]


def _style(colours: Sequence[str]) -> Style:
    return Style(
        background="transparent",
        plot_background="#ffffff",
        foreground="#1b1f23",
        foreground_strong="#1b1f23",
        foreground_subtle="#57606a",
        guide_stroke_color="#d0d7de",
        major_guide_stroke_color="#8c959f",
        opacity=".9",
        opacity_hover=".9",
        transition="0ms",
        colors=tuple(colours),
        font_family=_FONT,
        label_font_size=16,
        major_label_font_size=16,
        legend_font_size=16,
        title_font_size=16,
        value_font_size=16,
        tooltip_font_size=16,
    )


def _inline(root: Element) -> Element:
    """The SVG as the page carries it: no script (pygal's tooltips need one), no comment,
    an image named by its <title> for assistive technology but no title drawn (the page's
    heading is above it), no id but the chart's own (two charts would repeat pygal's)."""
    for parent in root.iter():
        for child in list(parent):
            drawn_title = child.get("class") == "titles"
            if not isinstance(child.tag, str) or child.tag.endswith("script") or drawn_title:
                parent.remove(child)  # comments have a function for a tag
    for node in root.iter():
        if node is not root:
            node.attrib.pop("id", None)
    root.set("role", "img")
    return root


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _value(value: Shown | float, mark_hidden: bool) -> dict[str, Any]:
    if value is None and mark_hidden:  # a count not published: pale, up to the most it can be
        return {"value": SMALLEST_SHOWN - 1, "style": _HIDDEN_STYLE}
    return {"value": value}


def bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    hidden_name: str | None = None,
    per_bar: int = 14,
) -> Markup:
    """A horizontal bar chart, one group of bars per label, one bar per series; with
    `hidden_name`, counts not published are drawn pale and the legend names them so (without
    it, a None is no bar: a measure not published)."""
    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(series))]
    shows_hidden = hidden_name is not None and any(v is None for s in series for v in s.values)
    if shows_hidden:
        colours.append(HIDDEN_COLOUR)
    chart = pygal.HorizontalBar(
        title=title,
        width=WIDTH,
        # Room for each bar, a gap between groups, the title and a legend line per series.
        height=70 + len(labels) * (per_bar * len(series) + 16) + 26 * len(colours),
        style=_style(colours),
        js=[],
        disable_xml_declaration=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        truncate_legend=-1,
        truncate_label=-1,  # cut here (_short): pygal's own does not cut a bar chart's
        show_x_guides=True,
        show_y_guides=False,
        print_values=False,
        margin=8,
        spacing=12,
        min_scale=2,
        max_scale=6,
        zero=0,
    )
    chart.add_xml_filter(_inline)
    # pygal draws the first label at the bottom: reversed, the chart reads as the table does.
    chart.x_labels = [_short(label) for label in reversed(labels)]
    for one in series:
        chart.add(one.name, [_value(v, hidden_name is not None) for v in reversed(one.values)])
    if shows_hidden:
        chart.add(hidden_name, [None] * len(labels))
    return Markup(chart.render(is_unicode=True))
