"""Routing: the rules file (ADUAN_ROUTING_RULES) and the decision it gives for a complaint.

The routing service decides with `decide`; the decision travels as the `routing.decided`
event's data and is the signal the lifecycle receives. Intake lists the categories as Open311
services.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, Field, StringConstraints


class RulesError(ValueError):
    """The rules file is unreadable or does not fit the schema."""


# Whitespace inside a keyword is normalised as `decide` normalises the complaint's text:
# "air  mati" (two spaces, or a tab) would otherwise never match anything.
Keyword = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1),
    AfterValidator(lambda keyword: " ".join(keyword.split())),
]


class Target(BaseModel):
    """Where a category goes: unit and complaint class; name and description for catalogues
    (Open311's service list), ignored by routing."""

    category: str
    unit: str
    complaint_class: str
    officer: str | None = None  # takes every complaint of the category: no assignment by load
    name: str | None = None
    description: str | None = None


class Rule(Target):
    """A category with the words that point to it and optional regional units."""

    keywords: list[Keyword] = Field(min_length=1)
    regions: dict[str, str] = Field(default_factory=dict)


class Condition(BaseModel):
    """One condition an inspector may find on site, with what people read of it."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")
    id: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)

    def label(self, language: str) -> str:
        """What it is called in `language` (Bahasa Indonesia unless English)."""
        return self.en if language == "en" else self.id


class RuleSet(BaseModel):
    """The whole rules file; `load_weights` is what an open complaint of each class weighs
    in an officer's load (docs/assignment.md), 1 for a class it does not name;
    `field_conditions` what a field check may find, per category ("*": any other)."""

    default: Target
    rules: list[Rule]
    load_weights: dict[str, Annotated[float, Field(gt=0, le=1000)]] = Field(default_factory=dict)
    field_conditions: dict[str, list[Condition]] = Field(default_factory=dict)

    def conditions_for(self, category: str | None) -> list[Condition]:
        """The conditions a field check of `category` is recorded with."""
        found = self.field_conditions.get(category or "")
        return found if found is not None else self.field_conditions.get("*", [])


def parse_rules(text: str) -> RuleSet:
    """Parse rules from YAML text; RulesError says what is wrong."""
    try:
        return RuleSet.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise RulesError(f"routing rules are invalid: {exc}") from exc


def load_rules(path: Path) -> RuleSet:
    """Read and parse the rules file."""
    try:
        return parse_rules(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"cannot read routing rules {path}: {exc}") from exc


class RoutingDecision(BaseModel):
    """Where a complaint goes: the `routing.decided` event's data and the lifecycle's signal."""

    category: str
    unit: str
    complaint_class: str
    officer: str | None = None
    matched: bool = True


def _hits(rule: Rule, text: str) -> int:
    # Whole words, allowing the Indonesian possessive suffix: "tagihannya" is a "tagihan".
    return sum(
        1
        for keyword in rule.keywords
        if re.search(rf"(?<!\w){re.escape(keyword)}(?:-?nya)?(?!\w)", text)
    )


def decide(
    rules: RuleSet, text: str, *, category: str | None = None, region_code: str | None = None
) -> RoutingDecision:
    """Pick the rule named by `category`, else the one with most keyword hits, else default."""
    lowered = " ".join(text.lower().split())
    chosen = next((rule for rule in rules.rules if rule.category == category), None)
    if chosen is None:
        scored = [(_hits(rule, lowered), -i, rule) for i, rule in enumerate(rules.rules)]
        best = max(scored, key=lambda item: (item[0], item[1]), default=None)
        chosen = best[2] if best and best[0] > 0 else None
    if chosen is None:
        d = rules.default
        return RoutingDecision(
            category=d.category,
            unit=d.unit,
            complaint_class=d.complaint_class,
            officer=d.officer,
            matched=False,
        )
    regional = [
        (prefix, unit)
        for prefix, unit in chosen.regions.items()
        if region_code and region_code.startswith(prefix)
    ]
    unit = max(regional, key=lambda item: len(item[0]))[1] if regional else chosen.unit
    return RoutingDecision(
        category=chosen.category,
        unit=unit,
        complaint_class=chosen.complaint_class,
        officer=chosen.officer if unit == chosen.unit else None,  # theirs is the main unit
    )
