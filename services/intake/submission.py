"""Turning a submitted complaint into a stored one (shared by every intake channel)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import asyncpg

from aduan import complaints
from aduan.config import Settings
from aduan.policy import Policy
from aduan.problems import Problem
from services.intake.schemas import ComplaintCreated, ComplaintIn


async def submit(
    pool: asyncpg.Pool, settings: Settings, policy: Policy, body: ComplaintIn,
    *, idempotency_key: str | None,
) -> tuple[ComplaintCreated, bool]:
    """Store the complaint (or find the one this retry repeats); True if newly created."""
    if body.complaint_class is not None and body.complaint_class not in policy.classes:
        known = ", ".join(sorted(policy.classes))
        raise Problem(422, "Invalid request", f"class: unknown class {body.complaint_class!r};"
                      f" use one of {known}", errors=[{"field": "class", "message": "unknown"}])
    payload = body.model_dump(mode="json", by_alias=True)
    new = complaints.NewComplaint(
        description=body.description, channel=body.channel, received_at=datetime.now(UTC),
        request_hash=hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest(),
        language=body.language, subject=body.subject, category=body.category,
        complaint_class=body.complaint_class, complainant=payload["complainant"],
        account_ref=body.account_ref, location=payload["location"],
        external_ref=body.external_ref, idempotency_key=idempotency_key,
    )
    try:
        created = await complaints.create(pool, new)
    except complaints.IdempotencyConflict as exc:
        raise Problem(409, "Idempotency-Key reused", str(exc)) from exc
    return ComplaintCreated(
        id=created.id, tracking_code=created.tracking_code,
        access_token=complaints.access_token(settings.secret_key, created.id),
        status=created.status, received_at=created.received_at,
    ), created.created
