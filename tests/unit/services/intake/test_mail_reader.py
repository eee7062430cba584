"""Reading inbound mail: text from plain and HTML parts, quotes, tracking codes, identity."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from services.intake.mail import reader as mail_reader
from services.intake.mail.reader import UnreadableMail, html_to_text, read_mail, without_quote


def _message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    for name, value in {
        "From": "Siti <Siti@Example.id>",
        "To": "pengaduan@pdam.go.id",
        "Subject": "Tagihan",
        **headers,
    }.items():
        message[name.replace("_", "-")] = value
    message.set_content("Tagihan saya naik.")
    return message


def test_html_becomes_readable_text() -> None:
    html = (
        "<div>Halo,<br>tagihan&nbsp;saya <b>naik</b> &lt;dua kali&gt;</div>"
        "<ul><li>Januari</li><li>Februari</li></ul><style>.x{}</style>"
    )
    assert html_to_text(html) == "Halo,\ntagihan saya naik <dua kali>\n\nJanuari\n\nFebruari"


def test_a_reply_loses_the_quoted_message_and_its_attribution() -> None:
    text = "Nomor meter 12345.\n\nOn Tue, 1 Dec 2026, Aduan wrote:\n> Mohon kirim nomor\n> meter"
    assert without_quote(text) == "Nomor meter 12345."


@pytest.mark.parametrize(
    ("headers", "recipients"),
    [
        ({"Subject": "Re: [adu-7kx2-m9qp] Informasi"}, ["pengaduan@pdam.go.id"]),
        ({}, ["ADU-7KX2-M9QP@pdam.go.id"]),
        ({}, ["pengaduan+ADU-7KX2-M9QP@pdam.go.id"]),
    ],
)
def test_the_tracking_code_comes_from_the_subject_or_a_recipient(
    headers: dict[str, str], recipients: list[str]
) -> None:
    message = _message(**headers)
    read = read_mail(message, message.as_bytes(), recipients)
    assert read.tracking_code == "ADU-7KX2-M9QP"


def test_a_new_complaint_keeps_sender_subject_and_message_id() -> None:
    message = _message(Message_ID="<abc@mail.example.id>")
    read = read_mail(message, message.as_bytes(), ["pengaduan@pdam.go.id"])
    assert (read.sender.email, read.sender.name) == ("siti@example.id", "Siti")
    assert (read.subject, read.text, read.tracking_code) == ("Tagihan", "Tagihan saya naik.", None)
    assert read.external_ref == "<abc@mail.example.id>"


def test_without_a_message_id_the_bytes_identify_the_mail() -> None:
    message = _message()
    raw = message.as_bytes()
    assert read_mail(message, raw, []).external_ref == read_mail(message, raw, []).external_ref
    assert read_mail(message, raw, []).external_ref.startswith("sha256:")


def test_a_mail_without_a_from_address_is_unreadable() -> None:
    message = _message(From="Siti")
    with pytest.raises(UnreadableMail):
        read_mail(message, message.as_bytes(), [])


@pytest.mark.parametrize(
    ("headers", "mail_from", "automatic"),
    [
        ({}, "siti@example.id", False),
        ({"Auto_Submitted": "no"}, "siti@example.id", False),
        ({"Auto_Submitted": "auto-replied"}, "siti@example.id", True),
        ({}, "<>", True),  # a bounce
    ],
)
def test_bounces_and_auto_replies_are_recognised(
    headers: dict[str, str], mail_from: str, automatic: bool
) -> None:
    assert mail_reader.is_automatic(_message(**headers), mail_from) is automatic


@pytest.mark.parametrize(
    "sender",
    [
        "Siti <" + "a." * 600 + "a@example.id>",  # over FROM_MAX: refused before it is parsed
        "Siti <siti@localhost>",
        "Siti <siti@[127.0.0.1]>",  # nobody we could write to
    ],
)
def test_a_from_address_we_cannot_write_to_is_unreadable(sender: str) -> None:
    message = _message(From=sender)
    with pytest.raises(UnreadableMail, match="From address"):
        read_mail(message, message.as_bytes(), [])
