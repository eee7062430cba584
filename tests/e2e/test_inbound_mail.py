"""Complaints and replies by e-mail, through the `inbound-mail` process `make run` starts."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from typing import Any

import pytest

from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def _mail(stack: Stack, sender: str, subject: str, text: str) -> tuple[int, str]:
    """One SMTP session to the inbound receiver; the answer to DATA."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "pengaduan@localhost", subject
    message["Message-ID"] = f"<{uuid.uuid4()}@mail.example.id>"
    message.set_content(text)
    with smtplib.SMTP("127.0.0.1", int(stack.env["ADUAN_SMTP_INBOUND_PORT"]), timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail(sender)
        smtp.rcpt("pengaduan@localhost")
        code, answer = smtp.data(message.as_bytes())
    return code, answer.decode()


def _by_code(stack: Stack, code: str) -> dict[str, Any] | None:
    queue = stack.desk.get("/v1/staff/complaints", params={"limit": 500})
    assert queue.status_code == 200, queue.text
    found = next((row for row in queue.json() if row["tracking_code"] == code), None)
    if found is None:
        return None
    detail: dict[str, Any] = stack.desk.get(f"/v1/staff/complaints/{found['id']}").json()
    return detail


def test_a_mailed_complaint_is_routed_answered_by_mail_and_the_reply_reaches_it(
    stack: Stack,
) -> None:
    code_, answer = _mail(
        stack,
        "Wati <wati@example.id>",
        "Meter air rusak",
        "Meter air di rumah saya rusak sejak minggu lalu.",
    )
    assert code_ == 250, answer
    tracking_code = answer.rsplit(" ", 1)[-1]

    complaint = eventually(
        lambda: (c := _by_code(stack, tracking_code)) and c["status"] == "routed" and c,
        what="routing of the mail",
    )
    assert complaint["channel"] == "email"
    assert complaint["complainant"]["email"] == "wati@example.id"
    receipt = eventually(
        lambda: [m for m in stack.mailbox("wati@example.id") if tracking_code in str(m["Subject"])],
        what="the receipt",
    )
    assert receipt

    for action, body in (("acknowledge", {}), ("request-info", {"message": "Nomor meter?"})):
        acted = stack.desk.post(
            f"/v1/staff/complaints/{complaint['id']}/actions/{action}", json=body
        )
        assert acted.status_code == 200, acted.text

    code_, answer = _mail(
        stack,
        "wati@example.id",
        f"Re: [{tracking_code}] Informasi",
        "Nomor meter 44-5566.\n\n> Nomor meter?",
    )
    assert code_ == 250, answer
    replied = eventually(
        lambda: (c := _by_code(stack, tracking_code)) and c["status"] == "in_progress" and c,
        what="the reply",
    )
    messages = [
        e["data"].get("message") for e in replied["timeline"] if e["event_type"] == "replied"
    ]
    assert messages == ["Nomor meter 44-5566."]
