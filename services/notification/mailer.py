"""Outgoing e-mail over SMTP (aiosmtplib), with Message-IDs that are stable across retries."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

import aiosmtplib

from aduan.config import Settings
from aduan.store.deliveries import DeliveryFailed


@dataclass(frozen=True)
class Mail:
    """One message to one recipient; `attachment` is a JSON document attached as a file."""

    to: str
    subject: str
    body: str
    attachment: tuple[str, dict[str, Any]] | None = None
    reply_to: str | None = None


def message_id(event_id: uuid.UUID, role: str, domain: str) -> str:
    """The same (event, role) always gets the same Message-ID, so a resend is recognisable."""
    return f"<{event_id}.{role}@{domain}>"


class Mailer:
    """Sends mail through one SMTP server."""

    def __init__(self, host: str, port: int, sender: str, *, timeout: float = 15.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer:
        """A mailer for the configured SMTP server and From address."""
        return cls(settings.smtp_host, settings.smtp_port, settings.mail_from)

    def compose(self, mail: Mail, *, event_id: uuid.UUID, role: str) -> EmailMessage:
        """The full message, headers included."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = message_id(event_id, role, self.domain)
        if mail.reply_to:
            message["Reply-To"] = mail.reply_to
        message.set_content(mail.body)
        if mail.attachment is not None:
            filename, document = mail.attachment
            message.add_attachment(
                json.dumps(document, ensure_ascii=False, indent=2).encode(),
                maintype="application",
                subtype="json",
                filename=filename,
            )
        return message

    async def send(self, mail: Mail, *, event_id: uuid.UUID, role: str) -> None:
        """Hand the message to the SMTP server; DeliveryFailed if it is not accepted."""
        message = self.compose(mail, event_id=event_id, role=role)
        try:
            await aiosmtplib.send(message, hostname=self.host, port=self.port, timeout=self.timeout)
        except aiosmtplib.SMTPResponseException as exc:
            # The server's text may quote the address: keep only the class and code.
            raise DeliveryFailed(f"{type(exc).__name__} {exc.code}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(type(exc).__name__) from exc
