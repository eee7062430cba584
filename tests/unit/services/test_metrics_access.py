"""/metrics on intake (the public internet) and desk is for operators only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from aduan.config import Settings
from services.desk.app import create_app as desk_app
from services.intake.app import create_app as intake_app
from tests.support.http import assert_problem

TOKEN = "metrics-token-for-the-scraper"
PRODUCTION = {"environment": "production", "secret_key": "p" * 40}
UNREACHABLE = "postgresql://postgres@127.0.0.1:9/aduan"  # /metrics needs no database
APPS = pytest.mark.parametrize("create_app", [intake_app, desk_app], ids=["intake", "desk"])


async def scrape(
    create_app: Callable[[Settings], FastAPI],
    client: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    **settings: Any,
) -> httpx.Response:
    app = create_app(Settings(database_url=UNREACHABLE, **settings))
    transport = httpx.ASGITransport(app=app, client=(client, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://aduan") as http:
        return await http.get("/metrics/", headers=headers)


def assert_metrics(answer: httpx.Response) -> None:
    assert answer.status_code == 200, answer.text
    assert "# TYPE python_info gauge" in answer.text


@APPS
@pytest.mark.parametrize("environment", [{}, PRODUCTION], ids=["development", "production"])
async def test_with_a_token_only_its_bearer_sees_metrics(
    create_app: Callable[[Settings], FastAPI],
    environment: dict[str, str],
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
    ):
        refused = await scrape(create_app, headers=headers, metrics_token=TOKEN, **environment)
        assert_problem(refused, 401)  # loopback or not: the token decides
        assert refused.headers["www-authenticate"] == "Bearer"
        assert "python_info" not in refused.text
    assert_metrics(
        await scrape(
            create_app,
            client="203.0.113.7",
            metrics_token=TOKEN,
            headers={"Authorization": f"Bearer {TOKEN}"},
            **environment,
        )
    )


@APPS
async def test_without_a_token_production_shows_metrics_to_nobody(
    create_app: Callable[[Settings], FastAPI],
) -> None:
    assert_problem(await scrape(create_app, **PRODUCTION), 403)
    assert_problem(await scrape(create_app, client="::1", **PRODUCTION), 403)


@APPS
async def test_without_a_token_development_shows_metrics_to_loopback_only(
    create_app: Callable[[Settings], FastAPI],
) -> None:
    assert_metrics(await scrape(create_app))
    assert_metrics(await scrape(create_app, client="::1"))
    assert_problem(await scrape(create_app, client="203.0.113.7"), 403)
