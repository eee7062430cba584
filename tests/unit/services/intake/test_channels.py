"""SMS and WhatsApp payloads and signatures, tracking codes in text, language guesses."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from aduan.domain.errors import AduanError
from aduan.domain.vocabulary import Language
from aduan.web.problems import status_of
from services.intake.channels import read_sms, read_whatsapp, signature_valid
from services.intake.inbound import same_phone
from services.intake.language import guess_language


def test_a_signature_must_be_the_hmac_of_these_exact_bytes() -> None:
    body = b"From=%2B62812&Body=hi&MessageSid=SM1"
    good = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert signature_valid("secret", body, good)
    assert signature_valid("secret", body, good.upper())  # hex case does not matter
    assert signature_valid("secret", body, "sha256=" + good, prefix="sha256=")
    assert not signature_valid("secret", body + b" ", good)
    assert not signature_valid("other", body, good)
    assert not signature_valid("", body, hmac.new(b"", body, hashlib.sha256).hexdigest())
    assert not signature_valid("secret", body, None)


def test_an_sms_with_a_tracking_code_is_a_reply_without_the_code() -> None:
    read = read_sms(
        b"From=%2B6281234567890&To=1708&Body=adu-7kx2-m9qp+nomor+meter+123&MessageSid=SM9"
    )
    assert (read.tracking_code, read.text, read.external_ref) == (
        "ADU-7KX2-M9QP",
        "nomor meter 123",
        "SM9",
    )
    assert read.sender.phone == "+6281234567890"


def test_an_sms_without_its_id_is_refused() -> None:
    with pytest.raises(AduanError) as refused:
        read_sms(b"From=%2B62812345&Body=hi")
    assert status_of(refused.value) == 422


def test_whatsapp_text_and_captions_are_messages_other_kinds_are_counted() -> None:
    value = {
        "metadata": {"phone_number_id": "42"},
        "contacts": [{"wa_id": "628111", "profile": {"name": "Budi"}}],
        "messages": [
            {"from": "628111", "id": "wamid.1", "type": "text", "text": {"body": "Air mati"}},
            {
                "from": "628111",
                "id": "wamid.2",
                "type": "image",
                "image": {"id": "m1", "mime_type": "image/jpeg", "caption": "Meter bocor"},
            },
            {"from": "628111", "id": "wamid.3", "type": "reaction"},
        ],
    }
    body = json.dumps({"entry": [{"changes": [{"field": "messages", "value": value}]}]})
    messages, skipped = read_whatsapp(body.encode())
    assert [(m.external_ref, m.text) for m in messages] == [
        ("wamid.1", "Air mati"),
        ("wamid.2", "Meter bocor"),
    ]
    assert skipped == 1
    assert messages[0].sender.phone == "+628111" and messages[0].sender.name == "Budi"
    assert messages[1].channel_data["media"] == {
        "type": "image",
        "id": "m1",
        "mime_type": "image/jpeg",
    }


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("0812-3456-7890", "+6281234567890", True),
        ("+62 812 3456 7890", "6281234567890", True),
        ("081234567890", "081234567899", False),
        ("081234567890", None, False),
    ],
)
def test_phone_numbers_compare_as_lines(a: str, b: str | None, same: bool) -> None:
    assert same_phone(a, b) is same


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Tagihan air saya naik dua kali lipat sejak bulan lalu", Language.ID),
        ("My water bill has doubled since last month", Language.EN),
        ("OK", Language.ID),
    ],
)
def test_the_language_is_guessed_indonesian_by_default(text: str, language: Language) -> None:
    assert guess_language(text) is language
