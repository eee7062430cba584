"""tracking.find, behind the tracking-page login and GET /v1/complaints/{code}: one 404 for an
unknown code and a wrong token, a new problem each time, the same work for both."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from aduan.config import Settings
from aduan.domain.errors import AduanError
from aduan.store import complaints
from aduan.web.problems import status_of
from services.intake import tracking
from tests.support.complaints import insert_complaint


async def test_an_unknown_code_costs_the_token_check_a_known_one_costs(
    pool: asyncpg.Pool, pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(database_url=pg_dsn)
    complaint_id = await insert_complaint(pool)
    code = await pool.fetchval("SELECT tracking_code FROM complaints WHERE id = $1", complaint_id)
    checked: list[uuid.UUID] = []
    real = complaints.token_matches

    def counted(secret: str, complaint: uuid.UUID, token: str) -> bool:
        checked.append(complaint)
        return real(secret, complaint, token)

    monkeypatch.setattr(complaints, "token_matches", counted)
    token = complaints.access_token(settings.secret_key, complaint_id)
    refusals: list[AduanError] = []
    for tried, given in ((code, "0" * 32), ("ADU-0000-0000", token), ("ADU-0000-0000", None)):
        with pytest.raises(AduanError) as refused:
            await tracking.find(pool, settings, tried, given)
        refusals.append(refused.value)

    assert len(checked) == 3  # the HMAC is computed whether or not the code exists
    assert {(status_of(p), p.detail) for p in refusals} == {
        (404, "no complaint with this tracking code and access token")
    }
    assert len({id(p) for p in refusals}) == 3  # a new problem each time, never one reused
    assert (await tracking.find(pool, settings, code.lower(), token))["id"] == complaint_id
