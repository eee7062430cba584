"""Signed webhooks for integrators: each public complaint event, without personal data.

The body is the event envelope with only the data fields listed below (free text such as a
message, a note, a reason or a description never leaves); `X-Aduan-Signature` is
`sha256=` + the hex HMAC-SHA256 of the exact body bytes with ADUAN_WEBHOOK_SECRET.
"""

from __future__ import annotations

import hashlib
import json

import httpx

from aduan.domain import signing
from aduan.domain.events import Event
from aduan.store.deliveries import Recipient
from services.notification.providers import post

SIGNATURE_HEADER = "X-Aduan-Signature"

# Facts about the complaint's handling, never about the person or in anyone's own words.
_SHARED_FIELDS = (
    "status",
    "escalation_level",
    "outcome",
    "unit",
    "level",
    "deadline",
    "due_at",
    "by",
    "appeal",
    "reopened",
    "score",
    "category",
    "complaint_class",
    "channel",
    "language",
    "provider",
    "tracking_code",
)


def payload(event: Event) -> bytes:
    """The body an integrator receives for `event`."""
    data = {key: event.data[key] for key in _SHARED_FIELDS if key in event.data}
    envelope = {
        "id": str(event.id),
        "type": event.type,
        "complaint_id": str(event.complaint_id),
        "occurred_at": event.occurred_at.isoformat(),
        "version": event.version,
        "data": data,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def signature(body: bytes, secret: str) -> str:
    """The header value that proves `body` came from us."""
    return "sha256=" + signing.sign(secret.encode(), body)


def recipient(url: str) -> str:
    """A stable delivery-log name for an endpoint, whatever its place in the list."""
    return f"{Recipient.INTEGRATOR}:{hashlib.sha256(url.encode()).hexdigest()[:12]}"


async def deliver(client: httpx.AsyncClient, url: str, secret: str, event: Event) -> None:
    """POST the signed event; the event id lets the integrator drop a redelivery."""
    body = payload(event)
    await post(
        client,
        url,
        content=body,
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(body, secret),
            "X-Aduan-Event": event.type,
            "Idempotency-Key": str(event.id),
        },
    )
