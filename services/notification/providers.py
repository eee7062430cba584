"""HTTP provider adapters for text messages: an SMS gateway and the WhatsApp Cloud API.

Both get the delivery key as `Idempotency-Key` (and in the body where the shape has room for
it), so a provider that honours it drops the resend after a timeout that hid a success.
"""

from __future__ import annotations

from typing import Any

import httpx

from aduan.domain.phone import international
from aduan.store.deliveries import DeliveryFailed


async def post(client: httpx.AsyncClient, url: str, **request: Any) -> httpx.Response:
    """POST, turning every failure into DeliveryFailed with a reason free of personal data."""
    try:
        response = await client.post(url, **request)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(type(exc).__name__) from exc
    if not response.is_success:
        raise DeliveryFailed(f"HTTP {response.status_code}")
    return response


class SmsGateway:
    """A form-encoded SMS gateway: POST to, from, text, ref with a bearer token."""

    def __init__(self, client: httpx.AsyncClient, url: str, token: str, sender: str) -> None:
        self.client, self.url, self.token, self.sender = client, url, token, sender

    async def send(self, phone: str, text: str, *, key: str) -> None:
        """Hand one SMS to the gateway; DeliveryFailed unless it accepted it."""
        await post(
            self.client,
            self.url,
            data={"to": "+" + international(phone), "from": self.sender, "text": text, "ref": key},
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
        )


class WhatsAppCloud:
    """The WhatsApp Cloud API's messages endpoint: a JSON text message, bearer token."""

    def __init__(self, client: httpx.AsyncClient, url: str, token: str) -> None:
        self.client, self.url, self.token = client, url, token

    async def send(self, phone: str, text: str, *, key: str) -> None:
        """Send one text message; DeliveryFailed unless the API accepted it."""
        message = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": international(phone),
            "type": "text",
            "text": {"preview_url": False, "body": text},
            # Returned in the API's status callbacks, to match them to this delivery.
            "biz_opaque_callback_data": key,
        }
        await post(
            self.client,
            self.url,
            json=message,
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
        )
