"""Field checks at the desk's edge: what the lifecycle cannot know (who may inspect, the
conditions of a category, the photos a complaint holds, the provider's today), checked
before the Update for both the API and the pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import asyncpg

from aduan.domain.errors import InvalidInput
from aduan.domain.routing import RuleSet
from aduan.lifecycle.models import ActionInput, RecordFieldCheckInput, ScheduleFieldCheckInput
from aduan.store import accounts

FARTHEST_VISIT = timedelta(days=90)  # a visit further out than this is a typo of the year


async def check(
    pool: asyncpg.Pool,
    rules: RuleSet,
    complaint: Mapping[str, Any],
    parsed: ActionInput,
    today: date,
) -> None:
    """InvalidInput naming the field when a field-check action cannot be right."""
    if isinstance(parsed, ScheduleFieldCheckInput):
        await _check_visit(pool, complaint["unit"], parsed, today)
    elif isinstance(parsed, RecordFieldCheckInput):
        check_findings(rules, complaint["category"], parsed, complaint["attachments"])


async def _check_visit(
    pool: asyncpg.Pool, unit: str | None, visit: ScheduleFieldCheckInput, today: date
) -> None:
    if not today <= visit.date <= today + FARTHEST_VISIT:
        raise InvalidInput.field(
            "date", f"a visit is scheduled from today ({today}) up to {FARTHEST_VISIT.days} days on"
        )
    inspectors = {a.username for a in await accounts.in_unit(pool, unit)} if unit else set()
    if visit.inspector not in inspectors:
        raise InvalidInput.field(
            "inspector", f"{visit.inspector!r} is not an active officer or supervisor of {unit}"
        )


def check_findings(
    rules: RuleSet,
    category: str | None,
    findings: RecordFieldCheckInput,
    attachments: Sequence[Mapping[str, Any]],
) -> None:
    """The condition is one of the category's and every photo is one of the complaint's."""
    codes = [c.code for c in rules.conditions_for(category)]
    if findings.condition not in codes:
        raise InvalidInput.field("condition", f"not a condition of {category}; one of {codes}")
    held = {a["key"] for a in attachments}
    if any(photo not in held for photo in findings.photos):
        raise InvalidInput.field("photos", "a photo that is not an attachment of this complaint")
