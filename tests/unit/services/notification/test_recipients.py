"""Where the complainant hears from us (docs/domain.md "Privacy"): by e-mail if they gave one,
else on the text channel they came by; an anonymous complainant only on the channel that
reached us. Complaints are given as the database returns them: plain strings and dicts."""

from __future__ import annotations

from typing import Any

import pytest

from aduan.domain.vocabulary import Channel
from aduan.store.deliveries import DeliveryChannel
from services.notification.recipients import Address, complainant_address

EMAIL = "siti@example.id"
PHONE = "+6281234567890"


def complaint(channel: str, **person: Any) -> dict[str, Any]:
    return {"channel": channel, "complainant": person}


@pytest.mark.parametrize("channel", [c.value for c in Channel])
def test_an_email_given_is_where_we_write_whatever_the_channel(channel: str) -> None:
    assert complainant_address(complaint(channel, email=EMAIL, phone=PHONE)) == Address(
        DeliveryChannel.EMAIL, EMAIL
    )


@pytest.mark.parametrize(
    ("channel", "by"),
    [("sms", DeliveryChannel.SMS), ("whatsapp", DeliveryChannel.WHATSAPP)],
)
def test_without_an_email_a_texting_complainant_is_answered_where_they_texted(
    channel: str, by: DeliveryChannel
) -> None:
    assert complainant_address(complaint(channel, name="Budi", phone=PHONE)) == Address(by, PHONE)


@pytest.mark.parametrize("channel", ["web", "api", "phone", "open311", "social", "email"])
def test_a_phone_number_alone_is_not_texted_when_they_did_not_come_by_text(channel: str) -> None:
    assert complainant_address(complaint(channel, name="Budi", phone=PHONE)) is None


def test_an_anonymous_complainant_is_not_mailed_at_an_address_typed_into_a_form() -> None:
    assert complainant_address(complaint("web", anonymous=True, email=EMAIL)) is None
    assert complainant_address(complaint("api", anonymous=True, email=EMAIL)) is None


def test_an_anonymous_complainant_hears_back_only_on_the_channel_that_reached_us() -> None:
    assert complainant_address(complaint("email", anonymous=True, email=EMAIL)) == Address(
        DeliveryChannel.EMAIL, EMAIL
    )
    assert complainant_address(
        complaint("sms", anonymous=True, email=EMAIL, phone=PHONE)
    ) == Address(DeliveryChannel.SMS, PHONE)
    assert complainant_address(complaint("whatsapp", anonymous=True, phone=PHONE)) == Address(
        DeliveryChannel.WHATSAPP, PHONE
    )


@pytest.mark.parametrize("person", [None, {}, {"name": "Siti"}, {"email": "", "phone": ""}])
def test_nobody_to_reach_is_none_not_an_error(person: dict[str, Any] | None) -> None:
    assert complainant_address({"channel": "web", "complainant": person}) is None
    assert complainant_address({"channel": "sms", "complainant": person}) is None


def test_an_empty_email_falls_back_to_the_text_channel() -> None:
    assert complainant_address(complaint("sms", email="", phone=PHONE)) == Address(
        DeliveryChannel.SMS, PHONE
    )
