"""Reading an inbound e-mail: sender, subject, text (plain, or HTML made plain), attachments.

Pure functions over the message bytes, so every rule here is testable without a server.
"""

from __future__ import annotations

import hashlib
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from aduan.domain.attachments import Upload
from aduan.domain.vocabulary import Channel
from aduan.store.complaints import find_tracking_code
from aduan.store.submission import is_mail_address
from services.intake.inbound import InboundMessage, Sender
from services.intake.language import guess_language

_MAX_REF = 200  # longer Message-IDs are kept as their hash
# A From header longer than this is refused unread: parsing a crafted ~45 KB one took
# seconds, and one address with a display name fits in a few hundred characters.
FROM_MAX = 1_000
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "table",
        "ul",
        "ol",
        "section",
        "article",
        "hr",
    }
)
_HIDDEN = frozenset({"script", "style", "head", "title"})
# "On Mon, 1 Jan 2027, Siti wrote:" / "Pada 1 Jan 2027, Siti menulis:" before a quote.
_ATTRIBUTION = re.compile(r"^(on|pada)\b.*\b(wrote|menulis)\s*:\s*$", re.IGNORECASE)


_NO_SENDER = (
    "Pengaduan memerlukan alamat From yang dapat kami balas. A complaint needs a From"
    " address we can answer"
)


class UnreadableMail(ValueError):
    """A message we cannot take: no sender address to answer, or not a message at all."""


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML part, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: tags dropped, entities decoded, blocks on lines."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def without_quote(text: str) -> str:
    """A reply without the quoted message below it (lines starting with '>')."""
    kept = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    while kept and (not kept[-1].strip() or _ATTRIBUTION.match(kept[-1].strip())):
        kept.pop()
    return "\n".join(kept).strip()


def is_automatic(message: EmailMessage, mail_from: str | None) -> bool:
    """Bounces and auto-replies (RFC 3834): never a complaint, never an answer."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    return (
        not (mail_from or "").strip("<> ")
        or auto != "no"
        or message.get_content_type() == "multipart/report"
    )


def parse(raw: bytes) -> EmailMessage:
    """The message object of the raw bytes."""
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)  # policy.default builds EmailMessage objects
    return parsed


def read_mail(message: EmailMessage, raw: bytes, recipients: list[str]) -> InboundMessage:
    """The message as intake takes it; UnreadableMail when nobody could be answered."""
    raw_from = "".join(str(value) for key, value in message.raw_items() if key.lower() == "from")
    if len(raw_from) > FROM_MAX:  # measured on the header as received, before parsing it
        raise UnreadableMail(_NO_SENDER)
    name, address = parseaddr(str(message.get("From", "")))
    if not is_mail_address(address):
        raise UnreadableMail(_NO_SENDER)
    subject = " ".join(str(message.get("Subject", "")).split()) or None
    text = _body_text(message)
    code = find_tracking_code(subject or "") or _code_in_recipients(recipients, message)
    return InboundMessage(
        channel=Channel.EMAIL,
        external_ref=_message_ref(message, raw),
        sender=Sender(email=address.lower(), name=name or None),
        text=without_quote(text) if code else text,
        subject=subject,
        tracking_code=code,
        language=guess_language(subject, text),
        uploads=tuple(_uploads(message)),
    )


def _message_ref(message: EmailMessage, raw: bytes) -> str:
    # The Message-ID identifies a message across redeliveries; without one, its bytes do.
    ref = "".join(str(message.get("Message-ID", "")).split())
    if not ref:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    return ref if len(ref) <= _MAX_REF else "sha256:" + hashlib.sha256(ref.encode()).hexdigest()


def _code_in_recipients(recipients: list[str], message: EmailMessage) -> str | None:
    try:
        headers = [str(v) for key in ("To", "Cc") for v in message.get_all(key, [])]
        addresses = [address for _, address in getaddresses(headers)]
    except (IndexError, ValueError, AttributeError):  # a malformed header: use the envelope
        addresses = []
    for address in [*addresses, *recipients]:
        code = find_tracking_code(address.rpartition("@")[0])
        if code:
            return code
    return None


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    assert isinstance(part, EmailMessage)
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    text = html_to_text(content) if part.get_content_type() == "text/html" else content
    return text.replace("\r\n", "\n").strip()


def _uploads(message: EmailMessage) -> list[Upload]:
    # Every attached file; which of them are kept (type and size) is the intake's rule.
    found: list[Upload] = []
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found.append(Upload(part.get_filename() or "attachment", payload))
    return found
