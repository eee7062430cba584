"""The /statistik page's view of the published figures: names in the visitor's language
(months, units, classes, outcomes), each figure's chart, and how a cell reads ("< 5" for a
count that is not published). Made once per language for each minute's figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from aduan import i18n
from aduan.domain.disclosure import HIDDEN, Shown
from aduan.domain.figures import DEADLINE_KINDS, ESCALATION_LEVELS, SCORES, Compliance
from aduan.web.pages import Texts
from services.intake.charts import Series, bars
from services.intake.routes import incidents
from services.intake.routes.stats import Published


@dataclass(frozen=True)
class Row:
    """A table row: the key its cells are named by, the name people read, and its cells."""

    key: str
    name: str
    kinds: dict[str, Compliance]


def _chart_name(name: str) -> str:
    """A name as a chart's label: without the explanation in brackets the table gives."""
    return name.split(" (")[0]


def _compliance_chart(t: Texts, title: str, rows: list[Row]) -> Markup | None:
    if not rows:
        return None
    series = [
        Series(
            t(f"stats.{outcome}", kind=t(f"deadline.{kind}")),
            [getattr(row.kinds[kind], outcome) for row in rows],
        )
        for kind in DEADLINE_KINDS
        for outcome in ("met", "missed")
    ]
    labels = [_chart_name(row.name) for row in rows]
    return bars(title, labels, series, hidden_name=t("stats.hidden"))


def view(published: Published, language: str) -> dict[str, Any]:
    """What statistics.html shows, in `language`."""
    t, figures, snapshot = Texts(language), published.figures, published.snapshot

    def count(value: Shown) -> str:
        return HIDDEN if value is None else i18n.number(value, language)

    def measure(value: float | None) -> str:
        return t("stats.not_shown") if value is None else i18n.number(value, language)

    def unit_name(code: str) -> str:
        unit = snapshot.units.get(code)
        return unit.name(language) if unit else code

    def class_name(code: str) -> str:
        return t(f"class.{code}", default=code)

    months = [m.month for m in figures.months]
    short = [i18n.month(m.first_day, language, short=True) for m in months]
    units = [Row(k, unit_name(k), v) for k, v in figures.deadlines_by_unit.items()]
    classes = [Row(k, class_name(k), v) for k, v in figures.deadlines_by_class.items()]
    kinds = [t(f"deadline.{kind}") for kind in DEADLINE_KINDS]
    hidden = t("stats.hidden")
    charts = {
        "months": bars(
            t("stats.months"),
            short,
            [
                Series(t(f"stats.{name}"), [getattr(m, name) for m in figures.months])
                for name in ("received", "closed", "open")
            ],
            hidden_name=hidden,
        ),
        "escalations": bars(
            t("stats.escalations"),
            short,
            [
                Series(
                    t(f"stats.escalated.{level}"),
                    [getattr(m, f"escalated_{level}") for m in figures.months],
                )
                for level in ESCALATION_LEVELS
            ],
            hidden_name=hidden,
        ),
        "units": _compliance_chart(t, t("stats.deadlines.unit"), units),
        "classes": _compliance_chart(t, t("stats.deadlines.class"), classes),
        # A median over fewer than 5 is left out, not drawn: it is no count.
        "working_days": None
        if all(figures.working_days[k].median is None for k in DEADLINE_KINDS)
        else bars(
            t("stats.working_days"),
            kinds,
            [
                Series(t("stats.median"), [figures.working_days[k].median for k in DEADLINE_KINDS]),
                Series(t("stats.p90"), [figures.working_days[k].p90 for k in DEADLINE_KINDS]),
            ],
        ),
        "outcomes": bars(
            t("stats.outcomes"),
            [_chart_name(t(f"stats.outcome.{o}", default=o)) for o in figures.outcomes],
            [Series(t("stats.complaints"), list(figures.outcomes.values()))],
            hidden_name=hidden,
        )
        if figures.outcomes
        else None,
        "ratings": bars(
            t("stats.ratings"),
            [t("stats.score.label", score=s) for s in SCORES],
            [Series(t("stats.ratings.count"), [figures.ratings.by_score[s] for s in SCORES])],
            hidden_name=hidden,
        ),
    }
    return {
        "figures": figures,
        "months": [(m, i18n.month(m.month.first_day, language)) for m in figures.months],
        "units": units,
        "classes": classes,
        "kinds": list(zip(DEADLINE_KINDS, kinds, strict=True)),
        "class_name": class_name,
        "charts": charts,
        "count": count,
        "measure": measure,
        "computed_at": published.computed_at,
        "period": (
            i18n.month(months[0].first_day, language),
            i18n.month(months[-1].first_day, language),
        ),
        "zone": published.timezone,
        "open_incidents": [incidents.public(row) for row in snapshot.open_incidents],
    }
