"""The desk's codec endpoint, as the Temporal UI calls it: ops and admins see a lifecycle's
payloads decrypted, by bearer token or by their desk session; nobody else does; the browser
may call it from the Temporal UI's origin alone."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
import pytest_asyncio
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from aduan.adapters import temporal
from aduan.adapters.payload_codec import ENCODING, KEY_ID, EncryptionCodec
from aduan.config import Settings
from aduan.lifecycle.models import RespondInput
from devtools import servers
from services.desk.app import create_app
from tests.integration.desk.test_pages import account, sign_in
from tests.support.desk import SECRET, auth
from tests.support.http import asgi_client, assert_problem
from tests.support.payload_keys import ROTATED_KEYRING, TEST_KEYRING

UI = "http://temporal-ui.test:8233"


@pytest_asyncio.fixture
async def desk(pg_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn,
        secret_key=SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
        temporal_ui_url=UI,
    )
    async with asgi_client(create_app(settings), "http://desk") as client:
        yield client


async def _answer_payload(message: str) -> dict[str, object]:
    """An officer's answer as Temporal keeps it, in the JSON the UI sends."""
    [payload] = await temporal.data_converter(TEST_KEYRING).encode(
        [RespondInput(actor="ani", message=message)]
    )
    return json_format.MessageToDict(payload)


def _texts(answer: httpx.Response) -> list[str]:
    return [base64.b64decode(p.get("data", "")).decode() for p in answer.json()["payloads"]]


def _call(payloads: list[object], **headers: str) -> dict[str, object]:
    return {
        "json": {"payloads": payloads},
        "headers": {"Origin": UI, "X-Namespace": "default", **headers},
    }


@pytest.mark.parametrize("role", ["ops", "admin"])
async def test_ops_and_admins_read_a_payload_decrypted(desk: httpx.AsyncClient, role: str) -> None:
    marker = f"Meteran sudah diganti {uuid.uuid4().hex[:8]}"
    sealed = await _answer_payload(marker)
    assert marker not in str(sealed)
    answer = await desk.post("/codec/decode", **_call([sealed], **auth(role)))
    assert answer.status_code == 200, answer.text
    [text] = _texts(answer)
    assert marker in text
    assert answer.headers["access-control-allow-origin"] == UI  # the UI may read the answer
    decoded = json_format.ParseDict(answer.json()["payloads"][0], Payload())
    assert decoded.metadata["encoding"] == b"json/plain"


@pytest.mark.parametrize("role,unit", [("officer", "penagihan"), ("supervisor", "penagihan")])
async def test_officers_and_supervisors_are_refused(
    desk: httpx.AsyncClient, role: str, unit: str
) -> None:
    sealed = await _answer_payload("rahasia")
    answer = await desk.post("/codec/decode", **_call([sealed], **auth(role, unit)))
    assert_problem(answer, 403)
    assert "rahasia" not in answer.text


async def test_without_a_token_or_a_session_it_is_401_and_the_ui_can_read_why(
    desk: httpx.AsyncClient,
) -> None:
    answer = await desk.post("/codec/decode", **_call([await _answer_payload("x")]))
    body = assert_problem(answer, 401)
    assert "sign in to the desk as ops or admin" in body["detail"]
    assert answer.headers["access-control-allow-origin"] == UI
    assert answer.headers["access-control-allow-credentials"] == "true"


async def test_an_ops_desk_session_decrypts_as_the_ui_sends_it_with_credentials(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    assert (await sign_in(desk, await account(pool, "ops"))).status_code == 303  # the cookie
    answer = await desk.post("/codec/decode", **_call([await _answer_payload("lewat sesi")]))
    assert answer.status_code == 200, answer.text
    assert "lewat sesi" in _texts(answer)[0]


async def test_the_browser_may_call_it_from_the_temporal_ui_only(desk: httpx.AsyncClient) -> None:
    def preflight(origin: str, path: str = "/codec/decode") -> httpx.Request:
        return desk.build_request(
            "OPTIONS",
            path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-namespace",
            },
        )

    allowed = await desk.send(preflight(UI))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "x-namespace" in allowed.headers["access-control-allow-headers"].lower()
    elsewhere = await desk.send(preflight("https://evil.example"))
    assert "access-control-allow-origin" not in elsewhere.headers
    # The rest of the desk answers no other origin, the Temporal UI's included.
    staff_api = await desk.send(preflight(UI, "/v1/staff/complaints"))
    assert "access-control-allow-origin" not in staff_api.headers


async def test_encode_seals_under_the_newest_key_what_decode_opens(
    desk: httpx.AsyncClient,
) -> None:
    plain = json_format.MessageToDict(
        Payload(metadata={"encoding": b"json/plain"}, data=b'"dari UI"')
    )
    sealed = await desk.post("/codec/encode", **_call([plain], **auth("ops")))
    assert sealed.status_code == 200, sealed.text
    [payload] = sealed.json()["payloads"]
    parsed = json_format.ParseDict(payload, Payload())
    assert (parsed.metadata["encoding"], parsed.metadata[KEY_ID]) == (ENCODING, b"test-1")
    opened = await desk.post("/codec/decode", **_call([payload], **auth("ops")))
    assert opened.json()["payloads"] == [plain]


async def test_bad_payloads_are_a_422_naming_the_field(desk: httpx.AsyncClient) -> None:
    [newer] = await EncryptionCodec(ROTATED_KEYRING).encode([Payload(data=b"x")])
    for body, says in (
        ({"payload": []}, "a list of payloads is required"),
        ({"payloads": [{"data": "not base64!"}]}, "not Temporal payloads"),
        ({"payloads": [json_format.MessageToDict(newer)]}, "'test-2', which is not in"),
    ):
        answer = await desk.post("/codec/decode", json=body, headers=auth("ops"))
        problem = assert_problem(answer, 422)
        assert problem["errors"][0]["field"] == "payloads" and says in problem["detail"]
    not_json = await desk.post("/codec/decode", content=b"{", headers=auth("ops"))
    assert_problem(not_json, 400)
