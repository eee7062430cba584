"""Each action is named once (ActionName) and everything else is derived from it: the
workflow's Update of that name, the statuses it is allowed from, and its one URL."""

from __future__ import annotations

from temporalio import workflow

from aduan.domain.vocabulary import ActionName
from aduan.lifecycle.actions import COMPLAINANT_ACTIONS, STAFF_ACTIONS, WITHDRAW
from aduan.lifecycle.rules import ALLOWED_FROM, refusal
from aduan.lifecycle.workflow import ComplaintLifecycle


def test_every_action_is_an_update_of_the_lifecycle_and_nothing_else_is() -> None:
    definition = workflow._Definition.from_class(ComplaintLifecycle)
    assert definition is not None
    assert set(definition.updates) == {str(name) for name in ActionName}


def test_every_action_has_its_allowed_statuses_and_one_url() -> None:
    assert set(ALLOWED_FROM) == set(ActionName)
    routes = [a.update for a in [*STAFF_ACTIONS.values(), *COMPLAINANT_ACTIONS.values()]]
    # Withdrawing is reached by an admin's erasure (services/desk/rights.py), not by a URL.
    routes.append(WITHDRAW.update)
    assert sorted(routes) == sorted(ActionName), "an action without a URL, or with two"


def test_an_unknown_action_is_refused_by_name() -> None:
    assert refusal("launch", next(iter(ALLOWED_FROM[ActionName.NOTE]))) == "unknown action 'launch'"
