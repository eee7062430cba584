"""Attachments against real NATS (JetStream Object Store) and real PostgreSQL: kept whole,
served back only to the token holder and to staff who may read the complaint, refused
(with nothing stored) when too large, too many, or not an image or PDF."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from aduan.adapters.attachments import BUCKET
from aduan.adapters.tokens import issue_token
from aduan.config import Settings
from aduan.domain.staff import make_staff
from devtools import servers
from services.desk.app import create_app as desk_app
from services.intake.app import create_app as intake_app
from tests.support.http import asgi_client
from tests.support.samples import EXE, HTML, PDF, png

SECRET = "attachments-test-secret-long-enough"
MAX_BYTES = 5 * 1024 * 1024
PNG = png(3, 2)


@pytest_asyncio.fixture
async def intake(pg_dsn: str, nats_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=pg_dsn, nats_url=nats_url, secret_key=SECRET)
    async with asgi_client(intake_app(settings), "http://intake") as client:
        yield client


@pytest_asyncio.fixture
async def desk(pg_dsn: str, nats_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn,
        nats_url=nats_url,
        secret_key=SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
    )
    async with asgi_client(desk_app(settings), "http://desk") as client:
        yield client


async def submit_form(
    intake: httpx.AsyncClient, files: list[tuple[str, bytes, str]], **fields: str
) -> httpx.Response:
    """Submit through the citizen form, as a browser would (CSRF cookie and token)."""
    form = (await intake.get("/")).text
    hidden = dict(re.findall(r'name="(csrf|submission)" value="([^"]+)"', form))
    data = {"description": "Meteran air saya rusak, angkanya berputar terus.", **hidden, **fields}
    return await intake.post(
        "/portal/complaints",
        data=data,
        files=[("attachments", (name, content, claimed)) for name, content, claimed in files],
    )


async def receipt(intake: httpx.AsyncClient) -> tuple[str, str]:
    """The tracking code and token the receipt page shows."""
    page = (await intake.get("/portal/receipt")).text
    code = re.search(r'id="tracking-code">([^<]+)<', page)
    token = re.search(r'id="access-token">([^<]+)<', page)
    assert code and token, page
    return code[1], token[1]


async def stored(pool: asyncpg.Pool, js: JetStreamContext) -> tuple[int, int, int]:
    """Complaints, outbox rows and Object Store messages: what a refusal must not change."""
    try:
        objects = (await js.stream_info(f"OBJ_{BUCKET}")).state.messages
    except NotFoundError:
        objects = 0
    return (
        await pool.fetchval("SELECT count(*) FROM complaints"),
        await pool.fetchval("SELECT count(*) FROM outbox"),
        objects,
    )


def staff(role: str, unit: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(make_staff('tester', role, unit), SECRET)}"}


async def test_a_png_and_a_pdf_come_back_byte_identical_to_the_token_holder_only(
    intake: httpx.AsyncClient,
    js: JetStreamContext,
) -> None:
    # The client's claimed types are wrong on purpose: the stored type comes from the bytes.
    answer = await submit_form(
        intake, [("meter.png", PNG, "application/octet-stream"), ("tagihan.pdf", PDF, "image/png")]
    )
    assert answer.status_code == 303, answer.text
    code, token = await receipt(intake)

    seen = await intake.get(f"/v1/complaints/{code}", headers={"X-Access-Token": token})
    assert seen.status_code == 200
    kept = {a["name"]: a for a in seen.json()["attachments"]}
    assert {n: (a["content_type"], a["size"]) for n, a in kept.items()} == {
        "meter.png": ("image/png", len(PNG)),
        "tagihan.pdf": ("application/pdf", len(PDF)),
    }

    for name, content in (("meter.png", PNG), ("tagihan.pdf", PDF)):
        url = f"/v1/complaints/{code}/attachments/{kept[name]['key']}"
        served = await intake.get(url, headers={"X-Access-Token": token})
        assert served.status_code == 200
        assert served.content == content
        assert served.headers["content-type"] == kept[name]["content_type"]
        assert served.headers["content-disposition"].startswith("attachment;")
        assert name in served.headers["content-disposition"]
        assert served.headers["x-content-type-options"] == "nosniff"
        bucket = await js.object_store(BUCKET)
        held = (await bucket.get(kept[name]["key"])).data or b""
        assert content not in held  # at rest it is sealed (tests/integration/adapters)

        for wrong in ({}, {"X-Access-Token": "0" * 32}):
            refused = await intake.get(url, headers=wrong)
            assert refused.status_code == 404
            assert refused.headers["content-type"] == "application/problem+json"

    # The tracking page links the files without the token in any URL (its cookie carries it).
    page = (await intake.get("/track")).text
    assert f"/track/attachments/{kept['meter.png']['key']}" in page and token not in page
    via_page = await intake.get(f"/track/attachments/{kept['meter.png']['key']}")
    assert via_page.content == PNG
    intake.cookies.clear()
    assert (await intake.get(f"/track/attachments/{kept['meter.png']['key']}")).status_code == 404


async def test_an_api_client_adds_files_to_its_complaint_up_to_the_limit(
    intake: httpx.AsyncClient,
) -> None:
    created = (
        await intake.post("/v1/complaints", json={"description": "Air mati sejak pagi"})
    ).json()
    headers = {"X-Access-Token": created["access_token"]}
    url = f"/v1/complaints/{created['tracking_code']}/attachments"
    added = await intake.post(url, headers=headers, files=[("files", ("a.png", PNG, "x/y"))])
    assert added.status_code == 201, added.text
    assert [a["content_type"] for a in added.json()] == ["image/png"]
    assert (await intake.post(url, files=[("files", ("a.png", PNG, "x/y"))])).status_code == 404

    more = [("files", (f"{i}.png", PNG, "image/png")) for i in range(5)]  # 1 + 5 > 5
    refused = await intake.post(url, headers=headers, files=more)
    assert refused.status_code == 422
    assert refused.json()["reason"] == "too_many"
    view = await intake.get(f"/v1/complaints/{created['tracking_code']}", headers=headers)
    assert len(view.json()["attachments"]) == 1


@pytest.mark.parametrize(
    ("files", "status", "reason"),
    [
        ([("foto.jpg", EXE, "image/jpeg")], 415, "unsupported_type"),
        ([("foto.jpg", HTML, "image/jpeg")], 415, "unsupported_type"),
        (
            [("ok.png", PNG, "image/png"), ("big.png", PNG + b"\x00" * MAX_BYTES, "image/png")],
            413,
            "too_large",
        ),
        ([(f"{i}.png", PNG, "image/png") for i in range(6)], 422, "too_many"),
    ],
)
async def test_a_refused_file_stores_nothing_at_all(
    intake: httpx.AsyncClient,
    pool: asyncpg.Pool,
    js: JetStreamContext,
    files: list[tuple[str, bytes, str]],
    status: int,
    reason: str,
) -> None:
    before = await stored(pool, js)
    # Through the citizen form: the page says what was wrong and keeps what was typed.
    answer = await submit_form(intake, files, subject="Meter rusak")
    assert answer.status_code == status
    assert 'value="Meter rusak"' in answer.text
    assert {
        "unsupported_type": "bukan foto",
        "too_large": "terlalu besar",
        "too_many": "Paling banyak 5 lampiran",
    }[reason] in answer.text
    assert await stored(pool, js) == before
    # Through the API: a problem naming the reason.
    created = (await intake.post("/v1/complaints", json={"description": "Meter rusak"})).json()
    before = await stored(pool, js)
    refused = await intake.post(
        f"/v1/complaints/{created['tracking_code']}/attachments",
        headers={"X-Access-Token": created["access_token"]},
        files=[("files", (n, c, t)) for n, c, t in files],
    )
    assert refused.status_code == status
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["reason"] == reason
    assert await stored(pool, js) == before


async def test_with_nats_down_a_submission_with_files_is_refused_whole(
    pg_dsn: str,
    pool: asyncpg.Pool,
    js: JetStreamContext,
) -> None:
    dead = Settings(
        database_url=pg_dsn, secret_key=SECRET, nats_url=f"nats://127.0.0.1:{servers.free_port()}"
    )
    async with asgi_client(intake_app(dead), "http://intake") as client:
        before = await stored(pool, js)
        answer = await submit_form(client, [("meter.png", PNG, "image/png")])
        assert answer.status_code == 503
        assert "tidak ada yang tersimpan" in answer.text
        assert await stored(pool, js) == before
        created = (await client.post("/v1/complaints", json={"description": "x"})).json()
        refused = await client.post(
            f"/v1/complaints/{created['tracking_code']}/attachments",
            headers={"X-Access-Token": created["access_token"]},
            files=[("files", ("m.png", PNG, "image/png"))],
        )
        assert refused.status_code == 503
        assert refused.headers["retry-after"]


async def test_staff_read_files_by_the_desk_rules(
    intake: httpx.AsyncClient,
    desk: httpx.AsyncClient,
    pool: asyncpg.Pool,
) -> None:
    await submit_form(intake, [("meter.png", PNG, "image/png")])
    code, _ = await receipt(intake)
    row = await pool.fetchrow(
        "SELECT id, attachments FROM complaints WHERE tracking_code = $1", code
    )
    await pool.execute(
        "UPDATE complaints SET unit = 'penagihan', status = 'routed' WHERE id = $1", row["id"]
    )
    key = row["attachments"][0]["key"]
    url = f"/v1/staff/complaints/{row['id']}/attachments/{key}"
    expected: list[tuple[dict[str, Any], int]] = [
        (staff("officer", "penagihan"), 200),
        (staff("supervisor", "penagihan"), 200),
        (staff("ops"), 200),
        (staff("admin"), 200),
        (staff("officer", "distribusi"), 403),
        (staff("supervisor", "distribusi"), 403),
        ({}, 401),
    ]
    for headers, status in expected:
        answer = await desk.get(url, headers=headers)
        assert answer.status_code == status, (headers, answer.text)
        if status == 200:
            assert answer.content == PNG
            assert answer.headers["content-type"] == "image/png"
    detail = await desk.get(f"/v1/staff/complaints/{row['id']}", headers=staff("admin"))
    assert [a["key"] for a in detail.json()["attachments"]] == [key]
    other = f"/v1/staff/complaints/{row['id']}/attachments/{'x' * 32}"
    assert (await desk.get(other, headers=staff("admin"))).status_code == 404
