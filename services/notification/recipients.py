"""Where the complainant hears from us: e-mail if they gave one, else the channel they used.

docs/domain.md#privacy: a complainant is answered on the channel they came from unless they gave an
e-mail; an anonymous complainant only through the channel that reached us.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aduan.domain.vocabulary import Channel
from aduan.store.deliveries import DeliveryChannel

_TEXT_CHANNELS = {Channel.SMS: DeliveryChannel.SMS, Channel.WHATSAPP: DeliveryChannel.WHATSAPP}


@dataclass(frozen=True)
class Address:
    """A channel and the complainant's address on it."""

    channel: DeliveryChannel
    to: str


def complainant_address(complaint: Mapping[str, Any]) -> Address | None:
    """How to reach the complainant of this complaint, or None if we cannot."""
    person = complaint["complainant"] or {}
    came_by = complaint["channel"]
    email, phone = person.get("email"), person.get("phone")
    if email and (not person.get("anonymous") or came_by == Channel.EMAIL):
        return Address(DeliveryChannel.EMAIL, email)
    text_channel = _TEXT_CHANNELS.get(came_by)
    if phone and text_channel is not None:
        return Address(text_channel, phone)
    return None
