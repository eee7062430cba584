"""The routing rules file (ADUAN_ROUTING_RULES): categories, their keywords, units and classes.

Routing decides with it (services/routing/rules.py); intake lists its categories as Open311
services.
"""

from __future__ import annotations

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
    name: str | None = None
    description: str | None = None


class Rule(Target):
    """A category with the words that point to it and optional regional units."""

    keywords: list[Keyword] = Field(min_length=1)
    regions: dict[str, str] = Field(default_factory=dict)


class RuleSet(BaseModel):
    """The whole rules file."""

    default: Target
    rules: list[Rule]


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
