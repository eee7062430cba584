"""SMS gateway and WhatsApp Cloud API callbacks: signatures and payloads, as pure functions.

SMS: a form-encoded callback (`From`, `To`, `Body`, `MessageSid`), signed with
`X-Aduan-Signature: <hex HMAC-SHA256 of the raw body>` keyed by ADUAN_SMS_WEBHOOK_SECRET.
WhatsApp: Cloud API JSON (`entry[].changes[].value.messages[]`), signed by Meta with
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` keyed by the app secret.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aduan.domain import signing
from aduan.domain.errors import InvalidInput, Malformed, Unauthenticated
from aduan.domain.vocabulary import Channel
from aduan.store.complaints import find_tracking_code, without_tracking_code
from services.intake.inbound import InboundMessage, Sender
from services.intake.language import guess_language

SMS_SIGNATURE_HEADER = "X-Aduan-Signature"
WHATSAPP_SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature_valid(secret: str, body: bytes, signature: str | None, *, prefix: str = "") -> bool:
    """Whether `signature` is `prefix` + the hex HMAC-SHA256 of `body`; constant-time.

    An unset secret accepts nothing: a channel without its secret is closed, not open."""
    if not secret or not signature:
        return False
    expected = prefix + signing.sign(secret.encode(), body)
    return signing.matches(expected, signature.strip().lower())


def unauthorized(header: str) -> Unauthenticated:
    """The refusal of a call without a valid signature."""
    return Unauthenticated(f"the {header} header is missing or is not the HMAC-SHA256 of the body")


class SmsCallback(BaseModel):
    """The fields of an SMS gateway callback we use (others, e.g. AccountSid, are ignored)."""

    model_config = ConfigDict(extra="ignore")

    From: str = Field(min_length=3, max_length=40)
    To: str | None = Field(None, max_length=40)
    Body: str = Field("", max_length=20_000)
    MessageSid: str = Field(min_length=1, max_length=200)


def read_sms(body: bytes) -> InboundMessage:
    """The SMS as intake takes it; a 422 problem when a field is missing or wrong."""
    try:
        fields = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        sms = SmsCallback.model_validate(fields)
    except UnicodeDecodeError as exc:
        raise Malformed("the callback is not UTF-8 form data", title="Malformed body") from exc
    except ValidationError as exc:
        raise InvalidInput.fields(exc.errors()) from exc
    return _message(
        Channel.SMS,
        sms.MessageSid,
        Sender(phone=sms.From.strip()),
        sms.Body,
        {"to": sms.To} if sms.To else {},
    )


class WhatsAppText(BaseModel):
    """A text message's body."""

    body: str = Field(max_length=20_000)


class WhatsAppCaption(BaseModel):
    """A media message (image, document, ...): its caption and the media id."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    mime_type: str | None = None
    caption: str | None = Field(None, max_length=20_000)


class WhatsAppMessage(BaseModel):
    """One message of `value.messages[]`."""

    model_config = ConfigDict(extra="ignore")

    from_: str = Field(alias="from", min_length=3, max_length=40)
    id: str = Field(min_length=1, max_length=200)
    timestamp: str | None = Field(None, pattern=r"^[0-9]{1,12}$")  # unix seconds, as text
    type: str = "text"
    text: WhatsAppText | None = None
    image: WhatsAppCaption | None = None
    document: WhatsAppCaption | None = None
    video: WhatsAppCaption | None = None


class WhatsAppProfile(BaseModel):
    """The sender's WhatsApp profile name."""

    name: str | None = None


class WhatsAppContact(BaseModel):
    """`value.contacts[]`: who a message's `from` is."""

    model_config = ConfigDict(extra="ignore")

    wa_id: str
    profile: WhatsAppProfile = Field(default_factory=WhatsAppProfile)


class WhatsAppMetadata(BaseModel):
    """Which of the provider's numbers the messages were sent to."""

    model_config = ConfigDict(extra="ignore")

    display_phone_number: str | None = None
    phone_number_id: str | None = None


class WhatsAppValue(BaseModel):
    """`changes[].value`: messages, or delivery statuses (which we do not take here)."""

    model_config = ConfigDict(extra="ignore")

    metadata: WhatsAppMetadata = Field(default_factory=WhatsAppMetadata)
    contacts: list[WhatsAppContact] = Field(default_factory=list)
    messages: list[WhatsAppMessage] = Field(default_factory=list)


class WhatsAppChange(BaseModel):
    """`entry[].changes[]`."""

    model_config = ConfigDict(extra="ignore")

    field: str = "messages"
    value: WhatsAppValue


class WhatsAppEntry(BaseModel):
    """`entry[]`: one business account's changes."""

    model_config = ConfigDict(extra="ignore")

    changes: list[WhatsAppChange] = Field(default_factory=list)


class WhatsAppNotification(BaseModel):
    """The whole Cloud API webhook body."""

    model_config = ConfigDict(extra="ignore")

    object: str = "whatsapp_business_account"
    entry: list[WhatsAppEntry] = Field(default_factory=list)


def read_whatsapp(body: bytes) -> tuple[list[InboundMessage], int]:
    """The text messages of a notification, and how many others (media without a caption,
    reactions, locations) were left aside; 400/422 problems for a body we cannot read."""
    try:
        notification = WhatsAppNotification.model_validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise Malformed("the request body is not valid JSON") from exc
        raise InvalidInput.fields(exc.errors()) from exc
    messages: list[InboundMessage] = []
    skipped = 0
    for change in (c for e in notification.entry for c in e.changes if c.field == "messages"):
        names = {c.wa_id: c.profile.name for c in change.value.contacts}
        to = change.value.metadata.phone_number_id
        for item in change.value.messages:
            text, media = _text_of(item)
            if text is None:
                skipped += 1
                continue
            data = {k: v for k, v in (("to", to), ("media", media)) if v}
            sender = Sender(phone="+" + item.from_.lstrip("+"), name=names.get(item.from_))
            sent_at = datetime.fromtimestamp(int(item.timestamp), UTC) if item.timestamp else None
            messages.append(_message(Channel.WHATSAPP, item.id, sender, text, data, sent_at))
    return messages, skipped


def _text_of(item: WhatsAppMessage) -> tuple[str | None, dict[str, str] | None]:
    if item.text is not None:
        return item.text.body, None
    media = item.image or item.document or item.video
    if media is not None and media.caption:
        # The file itself stays with Meta under its id until the attachment store fetches it.
        return media.caption, {
            "type": item.type,
            "id": media.id or "",
            "mime_type": media.mime_type or "",
        }
    return None, None


def _message(
    channel: Channel,
    ref: str,
    sender: Sender,
    text: str,
    data: dict[str, Any],
    sent_at: datetime | None = None,
) -> InboundMessage:
    code = find_tracking_code(text)
    return InboundMessage(
        channel=channel,
        external_ref=ref,
        sender=sender,
        text=without_tracking_code(text) if code else text.strip(),
        tracking_code=code,
        language=guess_language(text),
        channel_data=data,
        sent_at=sent_at,
    )
