"""The codec server the Temporal UI calls to show lifecycles' payloads decrypted: Temporal's
codec server protocol (POST /codec/decode and /codec/encode, `{"payloads": [...]}` in
protobuf JSON), for ops and admins only, by bearer token or desk session; the browser may
call it from the Temporal UI's origin alone (docs/privacy.md "Encryption")."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from google.protobuf import json_format
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload, Payloads

from aduan.adapters.payload_codec import EncryptionCodec, PayloadKeyError
from aduan.domain.errors import InvalidInput, Malformed, Unauthenticated
from aduan.domain.staff import Staff
from aduan.web.problems import responses
from services.desk import access
from services.desk.auth import bearer, require_staff
from services.desk.pages.session import SignInNeeded, signed_in

PREFIX = "/codec"
log = structlog.get_logger(__name__)
router = APIRouter(prefix=PREFIX, tags=["codec"], responses=responses(401, 403, 422))

_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["payloads"],
                "properties": {
                    "payloads": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "metadata": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string", "format": "byte"},
                                },
                                "data": {"type": "string", "format": "byte"},
                            },
                        },
                    }
                },
            }
        }
    },
}
_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"description": "the payloads, in the order given", "content": _BODY["content"]}
}


async def codec_staff(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Staff:
    """Ops or admins, by bearer token or by the desk session the browser holds (the Temporal
    UI sends the cookie once "Include cross-origin credentials" is on); 401, 403 otherwise."""
    if credentials is not None:
        staff = await require_staff(request, credentials)
    else:
        try:
            staff = (await signed_in(request)).account.staff
        except SignInNeeded:
            raise Unauthenticated(
                "sign in to the desk as ops or admin in this browser, or send a bearer token",
                challenge="Bearer",
            ) from None
    access.require_watcher(staff)
    return staff


CodecStaffDep = Annotated[Staff, Depends(codec_staff)]


async def _payloads(request: Request) -> list[Payload]:
    # Read here, not declared: the caller's identity is checked before the body is parsed.
    try:
        body: Any = json.loads(await request.body())
    except ValueError as exc:
        raise Malformed("the request body is not valid JSON") from exc
    if not isinstance(body, dict) or not isinstance(body.get("payloads"), list):
        raise InvalidInput.field("payloads", "a list of payloads is required")
    try:
        return list(json_format.ParseDict({"payloads": body["payloads"]}, Payloads()).payloads)
    except json_format.ParseError as exc:
        raise InvalidInput.field("payloads", f"not Temporal payloads in JSON: {exc}") from exc


def _answer(payloads: list[Payload]) -> dict[str, Any]:
    return {"payloads": [json_format.MessageToDict(payload) for payload in payloads]}


@router.post("/decode", openapi_extra={"requestBody": _BODY}, responses=_ANSWER)
async def decode(request: Request, staff: CodecStaffDep) -> dict[str, Any]:
    """The payloads decrypted (those never encrypted as they are); who asked is logged."""
    payloads = await _payloads(request)
    codec: EncryptionCodec = request.app.state.codec
    try:
        decoded = await codec.decode(payloads)
    except PayloadKeyError as exc:
        raise InvalidInput.field("payloads", str(exc)) from exc
    # Decrypted payloads are complaint text: who read how many, never what.
    log.info(
        "codec.decoded",
        user=staff.user,
        role=staff.role,
        payloads=len(payloads),
        namespace=request.headers.get("x-namespace"),
    )
    return _answer(decoded)


@router.post("/encode", openapi_extra={"requestBody": _BODY}, responses=_ANSWER)
async def encode(request: Request, staff: CodecStaffDep) -> dict[str, Any]:
    """The payloads encrypted under the newest key (the UI's input to a signal or start)."""
    codec: EncryptionCodec = request.app.state.codec
    return _answer(await codec.encode(await _payloads(request)))


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL: what a browser sends as its Origin."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class CodecCors:
    """CORS for the codec routes only, for one origin (the Temporal UI's), with credentials
    (the desk session): the rest of the desk answers no other origin."""

    def __init__(self, app: ASGIApp, origin: str) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=[origin],
            allow_credentials=True,
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX + "/"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
