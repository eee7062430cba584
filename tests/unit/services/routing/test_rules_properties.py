"""Routing under generated rule files: any rules YAML parses or is a RulesError; with any
valid rules, `decide` never fails, always names a configured unit, and finds a keyword
written anywhere in a complaint, whatever the script or case."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aduan.domain.routing import RulesError, RuleSet, decide, parse_rules
from tests.support.yaml_tree import parent, paths

PROPERTY = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
# Names and codes as an operator might type them, in any script; keywords may hold spaces,
# punctuation and regex metacharacters.
NAMES = st.text(st.characters(categories=["L", "N", "Pd"]), min_size=1, max_size=16)
# Phrases joined by whatever whitespace a YAML editor leaves (double spaces, tabs, NBSP).
PHRASES = st.builds(
    lambda words, gap: gap.join(words),
    st.lists(NAMES, min_size=2, max_size=3),
    st.sampled_from([" ", "  ", "\t", "\u00a0", "\u3000", " \t "]),
)
KEYWORDS = PHRASES | st.text(
    st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20
).filter(lambda word: word.strip() != "")
REGIONS = st.dictionaries(st.text("0123456789.", min_size=1, max_size=6), NAMES, max_size=3)


@st.composite
def rule_files(draw: st.DrawFn) -> dict[str, Any]:
    """A valid rules file as an operator would write it."""
    categories = draw(st.lists(NAMES, max_size=5, unique=True))
    return {
        "default": {"category": draw(NAMES), "unit": draw(NAMES), "complaint_class": draw(NAMES)},
        "rules": [
            {
                "category": category,
                "unit": draw(NAMES),
                "complaint_class": draw(NAMES),
                "keywords": draw(st.lists(KEYWORDS, min_size=1, max_size=4)),
                "regions": draw(REGIONS),
            }
            for category in categories
        ],
    }


def _units(rules: RuleSet) -> set[str]:
    units = {rules.default.unit}
    for rule in rules.rules:
        units |= {rule.unit, *rule.regions.values()}
    return units


def _parse(raw: object) -> RuleSet:
    return parse_rules(yaml.safe_dump(raw, allow_unicode=True))


@PROPERTY
@given(
    raw=rule_files(),
    text=st.text(),
    category=st.none() | st.text(max_size=16),
    region=st.none() | st.text(max_size=8),
    data=st.data(),
)
def test_decide_never_fails_and_always_names_a_configured_unit(
    raw: dict[str, Any],
    text: str,
    category: str | None,
    region: str | None,
    data: st.DataObject,
) -> None:
    rules = _parse(raw)
    if rules.rules and data.draw(st.booleans(), label="configured category"):
        category = data.draw(st.sampled_from([rule.category for rule in rules.rules]))
    decision = decide(rules, text, category=category, region_code=region)
    assert decision.unit in _units(rules)
    assert decision.matched or decision.unit == rules.default.unit
    if category in {rule.category for rule in rules.rules}:
        assert decision.category == category and decision.matched


@PROPERTY
@given(
    raw=rule_files().filter(lambda raw: raw["rules"]),
    data=st.data(),
    before=st.lists(NAMES, max_size=3),
    after=st.lists(NAMES, max_size=3),
)
def test_a_keyword_written_anywhere_in_a_complaint_is_found(
    raw: dict[str, Any], data: st.DataObject, before: list[str], after: list[str]
) -> None:
    rule = data.draw(st.sampled_from(raw["rules"]), label="rule")
    keyword: str = data.draw(st.sampled_from(rule["keywords"]), label="keyword")
    # The keyword as the operator wrote it, between words, in a sentence.
    decision = decide(_parse(raw), " ".join([*before, keyword, *after]) + " .")
    assert decision.matched


GARBAGE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@PROPERTY
@given(raw=rule_files(), data=st.data())
def test_any_one_change_to_a_rules_file_parses_or_is_a_rules_error(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(paths(raw)), label="path")
    node = parent(raw, path)
    if data.draw(st.booleans(), label="delete") and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = data.draw(GARBAGE, label="value")
    try:
        rules = _parse(raw)
    except RulesError as error:
        assert "routing rules are invalid" in str(error)
        return
    decision = decide(rules, "tagihan air")  # whatever was accepted must route
    assert decision.unit in _units(rules)


@PROPERTY
@given(text=st.text(max_size=200))
def test_any_text_as_a_rules_file_parses_or_is_a_rules_error(text: str) -> None:
    try:
        parse_rules(text)
    except RulesError as error:
        assert str(error)


def test_a_keyword_with_doubled_spaces_or_a_tab_still_matches() -> None:
    # Found by the property above: such a keyword never matched anything.
    rules = parse_rules(
        "default: {category: general, unit: umum, complaint_class: standard}\n"
        "rules: [{category: no_water, unit: distribusi, complaint_class: urgent,"
        ' keywords: ["air  mati", "no\\twater"]}]'
    )
    assert decide(rules, "Air mati sejak pagi").unit == "distribusi"
    assert decide(rules, "no  water here").unit == "distribusi"
