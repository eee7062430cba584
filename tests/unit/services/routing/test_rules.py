"""Routing rules (disposisi): docs/domain.md with the shipped services/routing/rules.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import services.routing as routing_service
from aduan.domain.routing import (
    RoutingDecision,
    RulesError,
    RuleSet,
    decide,
    load_rules,
    parse_rules,
)

RULES = load_rules(Path(routing_service.__file__).parent / "rules.yaml")
CATEGORIES = [rule.category for rule in RULES.rules]
UNMATCHED = RoutingDecision(
    category="general", unit="pengaduan-umum", complaint_class="standard", matched=False
)


def _route(text: str, **kwargs: Any) -> tuple[str, str, str]:
    decision = decide(RULES, text, **kwargs)
    assert decision.matched
    return decision.category, decision.unit, decision.complaint_class


# --- keywords in Bahasa Indonesia and English ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tagihan air saya naik dua kali lipat", ("billing", "penagihan", "standard")),
        ("My water bill doubled this month", ("billing", "penagihan", "standard")),
        ("no water since yesterday", ("no_water", "distribusi", "urgent")),
        ("Sudah dua hari air tidak mengalir di rumah kami", ("no_water", "distribusi", "urgent")),
        ("Petugas meminta pungli", ("officer_conduct", "inspektorat", "supervisory")),
        ("The officer asked for a bribe", ("officer_conduct", "inspektorat", "supervisory")),
        ("Listrik padam sejak pagi", ("power_outage", "jaringan", "urgent")),
        ("Blackout in our street", ("power_outage", "jaringan", "urgent")),
        ("Meteran air di rumah rusak", ("meter", "pelayanan-teknis", "standard")),
        ("Broken meter, reading is wrong", ("meter", "pelayanan-teknis", "standard")),
        ("Mohon informasi jadwal pemeliharaan", ("information", "pelayanan-informasi", "light")),
    ],
)
def test_keywords_route_to_category_unit_and_class(
    text: str, expected: tuple[str, str, str]
) -> None:
    assert _route(text) == expected


@pytest.mark.parametrize("text", ["AIR TIDAK MENGALIR!", "Air Mati.", "(no water)"])
def test_matching_ignores_case_and_surrounding_punctuation(text: str) -> None:
    assert _route(text)[0] == "no_water"


def test_most_keyword_hits_wins() -> None:
    # meter: "meter", "meter rusak" (2) beats billing: "tagihan" (1).
    assert _route("Meter rusak, tagihan ikut naik")[0] == "meter"
    # officer_conduct: "petugas", "kasar" (2) beats meter: "meteran" (1).
    assert _route("Petugas pencatat meteran kasar")[0] == "officer_conduct"


def test_a_tie_goes_to_the_rule_listed_first() -> None:
    # billing ("tagihan") and meter ("meteran") tie; billing comes first in rules.yaml.
    assert _route("tagihan meteran")[0] == "billing"
    # no_water ("no water") and billing ("bill") tie; no_water comes first.
    assert _route("no water but still a bill")[0] == "no_water"


# --- whole words only ---------------------------------------------------------------------

METER_ONLY = parse_rules(
    """
default: {category: general, unit: umum, complaint_class: standard}
rules:
  - {category: meter, unit: teknis, complaint_class: standard, keywords: [meter]}
"""
)


@pytest.mark.parametrize("text", ["meteran rusak", "parameter air", "kilometer", "meters"])
def test_keyword_does_not_match_inside_a_longer_word(text: str) -> None:
    assert not decide(METER_ONLY, text).matched


@pytest.mark.parametrize("text", ["meter", "Meter rusak", "cek meter-nya", "meter/kwh"])
def test_keyword_matches_as_a_whole_word(text: str) -> None:
    assert decide(METER_ONLY, text).matched


def test_keywords_written_in_capitals_still_match() -> None:
    rules = parse_rules(
        "default: {category: general, unit: umum, complaint_class: standard}\n"
        "rules: [{category: power, unit: pln, complaint_class: urgent, keywords: [PLN, Token]}]"
    )
    assert decide(rules, "token pln tidak masuk").unit == "pln"


def test_shipped_rules_list_meteran_separately() -> None:
    assert _route("meteran")[0] == "meter"


def test_parameter_is_not_a_meter_complaint() -> None:
    decision = decide(RULES, "Parameter kualitas tidak jelas")
    assert not decision.matched


# --- channel hints and regions ------------------------------------------------------------


def test_category_given_by_the_channel_wins_over_keywords() -> None:
    assert _route("Petugas meminta pungli", category="billing") == (
        "billing",
        "penagihan",
        "standard",
    )


def test_channel_category_wins_even_without_keywords() -> None:
    assert _route("Halo", category="power_outage") == ("power_outage", "jaringan", "urgent")


def test_unknown_channel_category_falls_back_to_keywords() -> None:
    assert _route("Petugas meminta pungli", category="parking")[0] == "officer_conduct"


@pytest.mark.parametrize("region", ["31", "3171", "3174012"])
def test_jakarta_billing_goes_to_the_regional_unit(region: str) -> None:
    assert _route("Tagihan naik", region_code=region)[1] == "penagihan-jakarta"
    assert _route("Halo", category="billing", region_code=region)[1] == "penagihan-jakarta"


@pytest.mark.parametrize("region", [None, "", "32", "3273", "0031", "3"])
def test_billing_outside_jakarta_stays_with_the_central_unit(region: str | None) -> None:
    assert _route("Tagihan naik", region_code=region)[1] == "penagihan"


def test_region_does_not_move_categories_without_regional_units() -> None:
    assert _route("no water", region_code="3171")[1] == "distribusi"


# --- nothing matched ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "Selamat pagi, saya ingin bertanya", "halo"])
def test_unmatched_complaint_goes_to_the_default_unit(text: str) -> None:
    assert decide(RULES, text, region_code="3171") == RoutingDecision(
        category="general", unit="pengaduan-umum", complaint_class="standard", matched=False
    )


def test_rules_without_any_rule_still_route_to_default() -> None:
    rules = parse_rules(
        "default: {category: general, unit: umum, complaint_class: light}\nrules: []"
    )
    assert decide(rules, "tagihan") == RoutingDecision(
        category="general", unit="umum", complaint_class="light", matched=False
    )


# --- malformed rules files ----------------------------------------------------------------

VALID_DEFAULT = "default: {category: general, unit: umum, complaint_class: standard}\n"


@pytest.mark.parametrize(
    "text",
    [
        "rules: [",
        "",
        "- just\n- a list\n",
        "rules: []\n",
        VALID_DEFAULT,
        VALID_DEFAULT + "rules: [{category: x, unit: y, complaint_class: z, keywords: []}]",
        VALID_DEFAULT + "rules: [{category: x, complaint_class: z, keywords: [a]}]",
        VALID_DEFAULT + "rules: [{category: x, unit: y, complaint_class: z, keywords: [a], "
        "regions: [31]}]",
    ],
    ids=[
        "not-yaml",
        "empty",
        "not-a-mapping",
        "no-default",
        "no-rules",
        "empty-keywords",
        "rule-without-unit",
        "regions-not-a-mapping",
    ],
)
def test_malformed_rules_raise_rules_error(text: str) -> None:
    with pytest.raises(RulesError, match="routing rules are invalid"):
        parse_rules(text)


def test_load_rules_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read routing rules"):
        load_rules(tmp_path / "missing.yaml")


def test_shipped_rules_cover_domain_keywords() -> None:
    # docs/domain.md: tagihan / bill, meter, air / water, listrik / power, petugas / officer.
    assert _route("tagihan")[0] == _route("bill")[0] == "billing"
    assert _route("meter")[0] == "meter"
    assert _route("air mati")[0] == _route("water outage")[0] == "no_water"
    assert _route("listrik mati")[0] == _route("no power")[0] == "power_outage"
    assert _route("petugas")[0] == _route("officer")[0] == "officer_conduct"


# --- property: routing never fails and never routes nowhere -------------------------------


def _known_units(rules: RuleSet) -> set[str]:
    units = {rules.default.unit}
    for rule in rules.rules:
        units |= {rule.unit, *rule.regions.values()}
    return units


@given(
    text=st.text(),
    category=st.none() | st.sampled_from(CATEGORIES) | st.text(max_size=12),
    region=st.none() | st.text(alphabet="0123456789", max_size=6) | st.text(max_size=6),
)
def test_decide_always_routes_somewhere_known(
    text: str, category: str | None, region: str | None
) -> None:
    decision = decide(RULES, text, category=category, region_code=region)
    assert decision.unit in _known_units(RULES)
    if category in CATEGORIES:
        assert decision.category == category
        assert decision.matched
    if not decision.matched:
        assert decision == RoutingDecision(
            category="general", unit="pengaduan-umum", complaint_class="standard", matched=False
        )


KEYWORDS = sorted({kw for rule in RULES.rules for kw in rule.keywords})
FILLER = st.lists(st.sampled_from(["saya", "dan", "the", "sejak", "kemarin", "rumah", "sudah"]))


@given(before=FILLER, keyword=st.sampled_from(KEYWORDS), after=FILLER)
def test_any_sentence_with_a_keyword_is_matched(
    before: list[str], keyword: str, after: list[str]
) -> None:
    decision = decide(RULES, " ".join([*before, keyword.upper(), *after]) + ".")
    assert decision.matched
    assert decision.unit != RULES.default.unit


# --- YAML that PyYAML cannot construct -------------------------------------------------


def test_yaml_that_fails_to_construct_is_a_rules_error() -> None:
    # An impossible date makes PyYAML raise a bare ValueError, not a YAMLError.
    with pytest.raises(RulesError):
        parse_rules(
            VALID_DEFAULT + "rules: [{category: 2026-02-30, unit: y, "
            "complaint_class: z, keywords: [a]}]"
        )


def test_a_rule_that_names_an_officer_gives_them_its_complaints_in_its_own_unit_only() -> None:
    rules = parse_rules(
        """
default: {category: general, unit: umum, complaint_class: standard}
rules:
  - {category: billing, keywords: [tagihan], unit: penagihan, complaint_class: standard,
     officer: rina, regions: {"31": penagihan-jakarta}}
"""
    )
    assert decide(rules, "tagihan naik").officer == "rina"
    # A regional unit has officers of its own: the named one belongs to the main unit.
    assert decide(rules, "tagihan naik", region_code="3171").officer is None
    assert decide(rules, "lain").officer is None


# --- category questions ----------------------------------------------------------------------


def test_the_shipped_rules_ask_billing_and_meter_complaints_their_questions() -> None:
    assert [q.code for q in RULES.questions_for("billing")] == [
        "billing_month",
        "amount_billed",
        "meter_number",
    ]
    assert [q.code for q in RULES.questions_for("meter")] == ["meter_number", "meter_problem"]
    assert [q.code for q in RULES.questions_for("general")] == ["meter_number"]  # the default
    assert RULES.questions_for("no_water") == RULES.questions_for(None) == []
    assert [q.code for q in RULES.questions_for("billing") if q.required] == ["billing_month"]


def test_an_answered_meter_number_sends_a_complaint_without_a_deciding_category_to_billing() -> (
    None
):
    assert _route("Halo, mohon bantuan", answered=["meter_number"])[:2] == ("billing", "penagihan")
    # The default category decides nothing, so the answer does.
    assert _route("Halo", category="general", answered=["meter_number"])[0] == "billing"
    # Answers outweigh words: "listrik padam" alone would be a power outage.
    assert _route("listrik padam", answered=["meter_number"])[0] == "billing"
    # A category given by the channel still wins outright.
    assert _route("Halo", category="meter", answered=["meter_number"])[0] == "meter"
    assert decide(RULES, "Halo", answered=["meter_problem"]) == UNMATCHED


def test_when_answered_must_name_a_question_some_category_asks() -> None:
    with pytest.raises(RulesError, match="when_answered names metre_number"):
        parse_rules(
            """
default: {category: general, unit: umum, complaint_class: standard}
rules:
  - {category: billing, keywords: [tagihan], unit: penagihan, complaint_class: standard,
     when_answered: [metre_number]}
"""
        )


def test_two_questions_of_one_category_may_not_share_a_code() -> None:
    with pytest.raises(RulesError, match="share a code: meter_number"):
        parse_rules(
            """
default: {category: general, unit: umum, complaint_class: standard}
rules:
  - category: billing
    keywords: [tagihan]
    unit: penagihan
    complaint_class: standard
    questions:
      - {code: meter_number, label: {id: Nomor meter, en: Meter number}}
      - {code: meter_number, label_id: Nomor meter lagi, label_en: Meter number again}
"""
        )
