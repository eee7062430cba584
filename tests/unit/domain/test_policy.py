"""The SLA policy file: docs/domain.md "Deadlines" and "The SLA policy file (ADUAN_SLA_POLICY)"."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import aduan
from aduan.domain.policy import (
    Duration,
    Policy,
    PolicyError,
    load_policy,
    parse_duration,
    parse_policy,
)

DEFAULT_POLICY = Path(aduan.__file__).parent / "default_policy.yaml"
SECONDS_POLICY = Path(__file__).parents[3] / "policies" / "seconds.yaml"
DEFAULT_TEXT = DEFAULT_POLICY.read_text(encoding="utf-8")


def _text(**changes: Any) -> str:
    """The shipped policy as YAML, with top-level keys replaced (None removes the key)."""
    raw = yaml.safe_load(DEFAULT_TEXT)
    for key, value in changes.items():
        if value is None:
            del raw[key]
        else:
            raw[key] = value
    return yaml.safe_dump(raw)


def _error(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    return str(caught.value)


# --- parse_duration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "amount", "unit"),
    [
        ("3wd", 3, "wd"),
        ("24h", 24, "h"),
        ("30d", 30, "d"),
        ("10m", 10, "m"),
        ("5s", 5, "s"),
        (" 7 wd ", 7, "wd"),
        ("1.5h", 1.5, "h"),
        (14, 14, "wd"),
        ("14", 14, "wd"),
        (0, 0, "wd"),
    ],
)
def test_parse_duration(value: object, amount: float, unit: str) -> None:
    assert parse_duration(value) == Duration(amount=amount, unit=unit)  # type: ignore[arg-type]


def test_bare_number_takes_the_default_unit() -> None:
    assert parse_duration(20, "s") == Duration(amount=20, unit="s")
    assert parse_duration("2.5", "h") == Duration(amount=2.5, unit="h")
    assert parse_duration("3wd", "s") == Duration(amount=3, unit="wd"), "explicit unit wins"


def test_parse_duration_accepts_parsed_and_mapping_forms() -> None:
    three = Duration(amount=3, unit="wd")
    assert parse_duration(three) is three
    assert parse_duration({"amount": 3, "unit": "wd"}) == three


@pytest.mark.parametrize(
    "value", ["3 weeks", "3w", "", "wd", "-3wd", "3wd3", "three wd", None, True, [3], "1e3s"]
)
def test_parse_duration_rejects_non_durations(value: object) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(value)


def test_fractional_working_days_are_rejected() -> None:
    with pytest.raises(ValueError, match="whole number"):
        parse_duration("1.5wd")


def test_negative_duration_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_duration({"amount": -1, "unit": "h"})


@pytest.mark.parametrize(
    ("duration", "text"), [("3wd", "3wd"), ("24h", "24h"), ("1.5h", "1.5h"), (0, "0wd")]
)
def test_duration_prints_as_written(duration: object, text: str) -> None:
    assert str(parse_duration(duration)) == text


# --- the shipped policy matches docs/domain.md --------------------------------------------

DOMAIN_TABLE = {
    # class: (first_response, resolution, label)
    "light": ("1wd", "2wd", "Ringan"),
    "normative": ("2wd", "5wd", "Normatif"),
    "standard": ("3wd", "14wd", "Tidak berkadar pengawasan"),
    "supervisory": ("3wd", "60wd", "Berkadar pengawasan"),
    "urgent": ("24h", "5wd", "Darurat layanan"),
}


@pytest.fixture(scope="module")
def default_policy() -> Policy:
    return load_policy(DEFAULT_POLICY)


@pytest.mark.parametrize(("name", "row"), DOMAIN_TABLE.items())
def test_default_class_deadlines_match_domain_table(
    default_policy: Policy, name: str, row: tuple[str, str, str]
) -> None:
    deadlines = default_policy.classes[name]
    assert (str(deadlines.first_response), str(deadlines.resolution), deadlines.label) == row


def test_default_policy_has_exactly_the_domain_classes(default_policy: Policy) -> None:
    assert set(default_policy.classes) == set(DOMAIN_TABLE)


def test_default_policy_other_keys_match_domain(default_policy: Policy) -> None:
    p = default_policy
    assert p.timezone == "Asia/Jakarta"
    assert (p.calendar.country, p.calendar.cuti_bersama_off, p.calendar.extra_holidays) == (
        "ID",
        True,
        [],
    )
    assert p.default_class == "standard"
    assert str(p.routing_due) == "3wd"
    assert p.reminders == [0.5, 0.8]
    assert (str(p.extension.max), p.extension.times) == ("7wd", 1)
    assert [(s.level, str(s.after)) for s in p.escalation] == [
        ("supervisor", "0s"),
        ("ombudsman", "5wd"),
    ]
    windows = p.complainant
    assert (str(windows.info_window), str(windows.confirm_window), windows.max_reopen) == (
        "30d",
        "10wd",
        1,
    )


# --- the seconds policy (demos and end-to-end tests) --------------------------------------


def _all_durations(policy: Policy) -> list[Duration]:
    found = [policy.routing_due, policy.extension.max]
    found += [step.after for step in policy.escalation]
    found += [policy.complainant.info_window, policy.complainant.confirm_window]
    for deadlines in policy.classes.values():
        found += [deadlines.first_response, deadlines.resolution]
    return found


def test_seconds_policy_makes_every_bare_number_seconds() -> None:
    policy = load_policy(SECONDS_POLICY)
    assert {d.unit for d in _all_durations(policy)} == {"s"}
    assert policy.routing_due == Duration(amount=20, unit="s")
    assert policy.classes["urgent"].first_response == Duration(amount=5, unit="s")
    assert [str(s.after) for s in policy.escalation] == ["0s", "10s"]
    # Counts and fractions are not durations and keep their meaning.
    assert (policy.extension.times, policy.complainant.max_reopen) == (1, 1)
    assert policy.reminders == [0.5, 0.8]


def test_seconds_policy_runs_a_whole_escalation_within_a_minute() -> None:
    policy = load_policy(SECONDS_POLICY)
    worst = max(
        d.resolution.amount + sum(s.after.amount for s in policy.escalation)
        for d in policy.classes.values()
    )
    assert worst <= 60


@pytest.mark.parametrize(("unit", "expected"), [("hours", "h"), ("minutes", "m"), ("wd", "wd")])
def test_unit_key_sets_the_unit_of_bare_numbers(unit: str, expected: str) -> None:
    policy = parse_policy(_text(unit=unit, routing_due=2))
    assert policy.routing_due == Duration(amount=2, unit=expected)  # type: ignore[arg-type]
    assert str(policy.classes["standard"].resolution) == "14wd", "explicit units are kept"


def test_bare_numbers_default_to_working_days() -> None:
    assert parse_policy(_text(routing_due=4)).routing_due == Duration(amount=4, unit="wd")


def test_extra_holidays_are_dates() -> None:
    calendar = {"country": "ID", "cuti_bersama_off": False, "extra_holidays": ["2026-12-28"]}
    policy = parse_policy(_text(calendar=calendar))
    assert policy.calendar.extra_holidays == [date(2026, 12, 28)]
    assert policy.calendar.cuti_bersama_off is False


def test_reminders_are_kept_in_order() -> None:
    assert parse_policy(_text(reminders=[0.8, 0.5])).reminders == [0.5, 0.8]


# --- deadlines_for ------------------------------------------------------------------------


def test_deadlines_for_a_known_class(default_policy: Policy) -> None:
    urgent = default_policy.deadlines_for("urgent")
    assert (str(urgent.first_response), str(urgent.resolution)) == ("24h", "5wd")


@pytest.mark.parametrize("name", [None, "", "unknown", "Urgent"])
def test_deadlines_for_unknown_class_falls_back_to_default(
    default_policy: Policy, name: str | None
) -> None:
    assert default_policy.deadlines_for(name) == default_policy.classes["standard"]


def test_deadlines_for_follows_the_configured_default_class() -> None:
    policy = parse_policy(_text(default_class="light"))
    assert str(policy.deadlines_for(None).resolution) == "2wd"


# --- malformed policies -------------------------------------------------------------------


def test_not_yaml() -> None:
    assert "not valid YAML" in _error("classes: [light, {")


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just a string", "42"])
def test_not_a_mapping(text: str) -> None:
    assert "mapping" in _error(text)


def test_unknown_unit() -> None:
    message = _error(_text(unit="fortnights"))
    assert "unknown unit" in message
    assert "fortnights" in message


@pytest.mark.parametrize("bad", ["3 weeks", "soon", "3wdd"])
def test_bad_duration_is_named(bad: str) -> None:
    message = _error(_text(routing_due=bad))
    assert "not a duration" in message
    assert bad in message


@pytest.mark.parametrize("bad", ["-3wd", -3])
def test_negative_duration(bad: object) -> None:
    assert str(bad) in _error(_text(routing_due=bad))


def test_negative_duration_in_mapping_form() -> None:
    assert "negative" in _error(_text(routing_due={"amount": -3, "unit": "wd"}))


def test_fractional_working_days() -> None:
    classes = yaml.safe_load(DEFAULT_TEXT)["classes"]
    classes["light"]["resolution"] = "1.5wd"
    assert "whole number" in _error(_text(classes=classes))


def test_fractional_seconds_are_fine() -> None:
    assert parse_policy(_text(unit="seconds", routing_due=1.5)).routing_due.amount == 1.5


def test_default_class_must_be_a_class() -> None:
    message = _error(_text(default_class="premium"))
    assert "'premium'" in message
    assert "not one of the classes" in message


@pytest.mark.parametrize(
    "ladder",
    [
        [{"level": "ombudsman", "after": "0s"}, {"level": "supervisor", "after": "5wd"}],
        [{"level": "supervisor", "after": "0s"}, {"level": "supervisor", "after": "5wd"}],
        [
            {"level": "supervisor", "after": "0s"},
            {"level": "ombudsman", "after": "5wd"},
            {"level": "ombudsman", "after": "10wd"},
        ],
    ],
    ids=["out-of-order", "supervisor-twice", "ombudsman-twice"],
)
def test_escalation_must_go_up_once_per_level(ladder: list[dict[str, str]]) -> None:
    assert "escalation levels must go up" in _error(_text(escalation=ladder))


def test_escalation_straight_to_ombudsman_is_allowed() -> None:
    policy = parse_policy(_text(escalation=[{"level": "ombudsman", "after": "5wd"}]))
    assert [s.level for s in policy.escalation] == ["ombudsman"]


def test_unknown_escalation_level() -> None:
    assert "director" in _error(_text(escalation=[{"level": "director", "after": "0s"}]))


@pytest.mark.parametrize("reminders", [[0, 0.5], [0.5, 1], [1.5], [-0.2], [0.5, 0.8, 1.0]])
def test_reminders_must_be_fractions_between_0_and_1(reminders: list[float]) -> None:
    assert "between 0 and 1" in _error(_text(reminders=reminders))


@pytest.mark.parametrize(
    "key", ["routing_due", "classes", "extension", "escalation", "complainant"]
)
def test_missing_required_key_is_named(key: str) -> None:
    message = _error(_text(**{key: None}))
    assert key in message
    assert "required" in message.lower()


def test_class_without_resolution_is_named() -> None:
    classes = yaml.safe_load(DEFAULT_TEXT)["classes"]
    del classes["urgent"]["resolution"]
    message = _error(_text(classes=classes))
    assert "urgent" in message
    assert "resolution" in message


def test_load_policy_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(missing)


def test_load_policy_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(_text(default_class="urgent"), encoding="utf-8")
    assert load_policy(path).default_class == "urgent"


# --- property: any text is a Policy or a PolicyError --------------------------------------

yaml_ish = st.text(alphabet="abcdlsuwhm:-[]{},.&*!#|>'\" \n0123456789", max_size=80)
mutated_default = st.builds(
    lambda key, value: _text(**{key: value}),
    st.sampled_from(
        [
            "routing_due",
            "default_class",
            "reminders",
            "escalation",
            "classes",
            "calendar",
            "extension",
            "complainant",
            "unit",
            "timezone",
        ]
    ),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    ).filter(lambda value: value is not None),
)


@given(text=st.text() | yaml_ish | mutated_default)
def test_parse_policy_returns_a_policy_or_raises_policy_error(text: str) -> None:
    try:
        result = parse_policy(text)
    except PolicyError:
        return
    assert isinstance(result, Policy)


# --- YAML that PyYAML cannot construct, and settings that cannot work ----------------------


@pytest.mark.parametrize(
    "text",
    [
        # A typo in a configured holiday: PyYAML raises a bare ValueError for the date.
        "calendar: {extra_holidays: [2026-02-30]}\n",
        # An explicit tag PyYAML cannot construct: AttributeError from inside PyYAML.
        "routing_due: !!timestamp soon\n",
        # A self-referencing alias: RecursionError in _with_units.
        "classes: &c {light: *c}\n",
    ],
    ids=["impossible-date", "bad-timestamp-tag", "recursive-alias"],
)
def test_yaml_that_fails_to_construct_is_a_policy_error(text: str) -> None:
    assert "policy" in _error(text)


@pytest.mark.parametrize(
    ("changes", "named"),
    [({"timezone": "Asia/Jakata"}, "Asia/Jakata"), ({"calendar": {"country": "XX"}}, "XX")],
    ids=["unknown-timezone", "unknown-country"],
)
def test_an_unusable_timezone_or_country_is_refused(changes: dict[str, Any], named: str) -> None:
    # Refused when the policy loads, not later inside the `schedule` activity.
    assert named in _error(_text(**changes))
