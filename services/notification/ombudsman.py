"""Submitting a dossier to the Ombudsman's HTTP endpoint."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.notification.deliveries import DeliveryFailed


async def submit(
    client: httpx.AsyncClient, url: str, dossier: dict[str, Any], *, event_id: uuid.UUID
) -> None:
    """POST the dossier; the event id as Idempotency-Key lets the endpoint drop a resubmission."""
    try:
        response = await client.post(
            url, json=dossier, headers={"Idempotency-Key": str(event_id)}
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(type(exc).__name__) from exc
    if not response.is_success:
        raise DeliveryFailed(f"HTTP {response.status_code}")
