"""Submitting a dossier to the Ombudsman's HTTP endpoint."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.notification.providers import post


async def submit(
    client: httpx.AsyncClient, url: str, dossier: dict[str, Any], *, event_id: uuid.UUID
) -> None:
    """POST the dossier; the event id as Idempotency-Key lets the endpoint drop a resubmission."""
    await post(client, url, json=dossier, headers={"Idempotency-Key": str(event_id)})
