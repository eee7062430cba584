"""Channel webhooks: POST /v1/webhooks/sms, GET and POST /v1/webhooks/whatsapp.

Each answers 200 once every message of the call is stored (or refused for good, with the
reason in the body: a provider must not retry what will never be taken), and 503 while
PostgreSQL or Temporal is away, so the provider delivers the call again later.

A signed call can be replayed by whoever copied it: Inbound.deliver answers a message id
taken within the replay window as before, `replayed`, and refuses a WhatsApp message sent
longer ago than the window as `stale`.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from aduan.domain import signing
from aduan.domain.errors import Forbidden, Unavailable
from services.intake import channels
from services.intake.inbound import Inbound, InboundMessage, TryLater

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/v1/webhooks", tags=["channel webhooks"])
_SIGNED_BODY = {"requestBody": {"required": True, "description": "the provider's raw body"}}


class MessageOutcome(BaseModel):
    """What became of one message: `complaint`, `reply`, or `refused` with the reason."""

    message_id: str
    outcome: str
    tracking_code: str | None = None
    replayed: bool = False
    reason: str | None = None
    detail: str | None = None


class WebhookAnswer(BaseModel):
    """The answer to a provider's call."""

    messages: list[MessageOutcome]
    skipped: int = 0


def _inbound(request: Request) -> Inbound:
    state = request.app.state
    return Inbound(state.pool, state.settings, state.policy, state.lifecycles)


async def _deliver(
    request: Request, messages: list[InboundMessage], skipped: int = 0
) -> WebhookAnswer:
    inbound = _inbound(request)
    answers: list[MessageOutcome] = []
    for message in messages:
        try:
            outcome = await inbound.deliver(message)
        except TryLater as exc:
            # Messages already taken are replays when the provider calls again.
            raise Unavailable(f"{exc}; deliver the call again") from exc
        answers.append(
            MessageOutcome(
                message_id=message.external_ref,
                outcome=outcome.result,
                tracking_code=outcome.tracking_code,
                replayed=outcome.replayed,
                reason=outcome.reason,
                detail=outcome.detail,
            )
        )
    return WebhookAnswer(messages=answers, skipped=skipped)


@router.post("/sms", response_model=WebhookAnswer, openapi_extra=_SIGNED_BODY)
async def sms(request: Request) -> WebhookAnswer:
    """An SMS gateway's callback (form-encoded), signed with X-Aduan-Signature."""
    body = await request.body()
    secret: str = request.app.state.settings.sms_webhook_secret
    if not channels.signature_valid(
        secret, body, request.headers.get(channels.SMS_SIGNATURE_HEADER)
    ):
        raise channels.unauthorized(channels.SMS_SIGNATURE_HEADER)
    return await _deliver(request, [channels.read_sms(body)])


@router.post("/whatsapp", response_model=WebhookAnswer, openapi_extra=_SIGNED_BODY)
async def whatsapp(request: Request) -> WebhookAnswer:
    """A WhatsApp Cloud API notification, signed by Meta with X-Hub-Signature-256."""
    body = await request.body()
    secret: str = request.app.state.settings.whatsapp_app_secret
    signature = request.headers.get(channels.WHATSAPP_SIGNATURE_HEADER)
    if not channels.signature_valid(secret, body, signature, prefix="sha256="):
        raise channels.unauthorized(channels.WHATSAPP_SIGNATURE_HEADER)
    messages, skipped = channels.read_whatsapp(body)
    return await _deliver(request, messages, skipped)


@router.get("/whatsapp", response_class=PlainTextResponse)
async def whatsapp_subscription(
    request: Request,
    mode: Annotated[str, Query(alias="hub.mode")] = "",
    verify_token: Annotated[str, Query(alias="hub.verify_token")] = "",
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)] = "",
) -> PlainTextResponse:
    """Meta's subscription handshake: echo the challenge when the verify token is ours."""
    expected: str = request.app.state.settings.whatsapp_verify_token
    if mode != "subscribe" or not expected or not signing.matches(expected, verify_token):
        raise Forbidden("hub.mode must be subscribe and hub.verify_token ours")
    return PlainTextResponse(challenge)
