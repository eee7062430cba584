"""Lifecycles under one policy share one object of it in the worker, and only then."""

from __future__ import annotations

from aduan.config import Settings
from aduan.domain.policy import load_policy, parse_duration
from aduan.lifecycle.state import shared


def test_equal_policies_are_one_object_and_a_changed_one_is_its_own() -> None:
    first = shared(load_policy(Settings().sla_policy))
    again = load_policy(Settings().sla_policy)
    assert again is not first
    assert shared(again) is first
    changed = again.model_copy(update={"routing_due": parse_duration("5wd")})
    assert shared(changed) is not first
    assert shared(changed).routing_due == parse_duration("5wd")
    # what continue-as-new carries comes back as JSON, and still finds its policy
    assert shared(type(first).model_validate_json(first.model_dump_json())) is first
