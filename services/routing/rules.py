"""Routing decisions: keyword scoring of the rules file (aduan.rules) -> category, unit, class."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aduan.rules import Rule, RuleSet


@dataclass(frozen=True)
class Decision:
    """Routing's answer for one complaint."""

    category: str
    unit: str
    complaint_class: str
    matched: bool


def _hits(rule: Rule, text: str) -> int:
    # Whole words, allowing the Indonesian possessive suffix: "tagihannya" is a "tagihan".
    return sum(
        1
        for keyword in rule.keywords
        if re.search(rf"(?<!\w){re.escape(keyword)}(?:-?nya)?(?!\w)", text)
    )


def decide(
    rules: RuleSet, text: str, *, category: str | None = None, region_code: str | None = None
) -> Decision:
    """Pick the rule named by `category`, else the one with most keyword hits, else default."""
    lowered = " ".join(text.lower().split())
    chosen = next((rule for rule in rules.rules if rule.category == category), None)
    if chosen is None:
        scored = [(_hits(rule, lowered), -i, rule) for i, rule in enumerate(rules.rules)]
        best = max(scored, key=lambda item: (item[0], item[1]), default=None)
        chosen = best[2] if best and best[0] > 0 else None
    if chosen is None:
        d = rules.default
        return Decision(d.category, d.unit, d.complaint_class, matched=False)
    regional = [
        (prefix, unit)
        for prefix, unit in chosen.regions.items()
        if region_code and region_code.startswith(prefix)
    ]
    unit = max(regional, key=lambda item: len(item[0]))[1] if regional else chosen.unit
    return Decision(chosen.category, unit, chosen.complaint_class, matched=True)
