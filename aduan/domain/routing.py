"""Routing: the rules file (ADUAN_ROUTING_RULES) and the decision it gives for a complaint.

The routing service decides with `decide`; the decision travels as the `routing.decided`
event's data and is the signal the lifecycle receives. Intake lists the categories as Open311
services.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from aduan.domain.questions import CODE_PATTERN, MAX_QUESTIONS, Question, unique_codes


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
    (Open311's service list), ignored by routing; the questions a complaint of the category
    answers (docs/domain.md "Category questions")."""

    category: str
    unit: str
    complaint_class: str
    officer: str | None = None  # takes every complaint of the category: no assignment by load
    name: str | None = None
    description: str | None = None
    questions: Annotated[
        list[Question], Field(max_length=MAX_QUESTIONS), AfterValidator(unique_codes)
    ] = Field(default_factory=list)


class Rule(Target):
    """A category with the words that point to it and optional regional units;
    `when_answered` names answers that send a complaint here before any keyword counts."""

    keywords: list[Keyword] = Field(min_length=1)
    regions: dict[str, str] = Field(default_factory=dict)
    when_answered: list[Annotated[str, StringConstraints(pattern=CODE_PATTERN)]] = Field(
        default_factory=list
    )


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

    def condition_label(self, category: str | None, code: str, language: str) -> str:
        """What a field check's finding `code` is called in `language` (the code if unknown)."""
        known = next((c for c in self.conditions_for(category) if c.code == code), None)
        return known.label(language) if known else code

    def questions_for(self, category: str | None) -> list[Question]:
        """The questions a complaint of `category` answers; none without a category."""
        targets: list[Target] = [*self.rules, self.default]
        return next((t.questions for t in targets if t.category == category), [])

    def identifying(self) -> frozenset[str]:
        """The codes of questions whose answers name the customer, in any category."""
        targets: list[Target] = [*self.rules, self.default]
        return frozenset(q.code for t in targets for q in t.questions if q.identifying)

    @model_validator(mode="after")
    def _answers_that_route_are_asked(self) -> RuleSet:
        # A typo in when_answered would route nothing, silently.
        asked = {q.code for t in [*self.rules, self.default] for q in t.questions}
        for rule in self.rules:
            unasked = sorted(set(rule.when_answered) - asked)
            if unasked:
                raise ValueError(
                    f"rule {rule.category}: when_answered names {', '.join(unasked)},"
                    " which no category asks"
                )
        return self


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
    rules: RuleSet,
    text: str,
    *,
    category: str | None = None,
    region_code: str | None = None,
    answered: Collection[str] = (),
) -> RoutingDecision:
    """Pick the rule named by `category`, else the first whose `when_answered` names an
    answered question, else the one with most keyword hits, else default."""
    lowered = " ".join(text.lower().split())
    chosen = next((rule for rule in rules.rules if rule.category == category), None)
    if chosen is None:
        chosen = next((r for r in rules.rules if set(r.when_answered) & set(answered)), None)
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
