"""Open311 POST requests with a photo (multipart `media`) against real PostgreSQL and the
real attachment store (NATS JetStream Object Store): kept by the attachment store's rules,
shown at a public media_url only for a public Open311 report, and only that photo."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
import pytest_asyncio

from services.intake.app import create_app
from tests.support.http import asgi_client
from tests.support.open311 import OPEN311, checked, errors, open311_count, report, settings
from tests.support.samples import PDF, png

PHOTO = png(4, 3)
MAX_BYTES = 64 * 1024


@pytest_asyncio.fixture
async def open311(pg_dsn: str, nats_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings(pg_dsn, nats_url=nats_url, attachment_max_bytes=MAX_BYTES))
    async with asgi_client(checked(app), OPEN311) as client:
        yield client


async def _post(
    open311: httpx.AsyncClient, photo: bytes, fmt: str = "json", **changes: str | None
) -> httpx.Response:
    fields = report(**{"media_url": None, **changes})
    return await open311.post(
        f"/requests.{fmt}", data=fields, files={"media": ("meter.png", photo, "image/png")}
    )


def _path(url: str) -> str:
    # media_url is absolute (ADUAN_PUBLIC_URL); the in-process client takes the path.
    found = re.fullmatch(r"https?://[^/]+(/open311/v2/media/[^/]+/[A-Za-z0-9_-]{32})", url)
    assert found is not None, url
    return f"http://intake{found[1]}"


async def test_a_posted_photo_is_kept_and_shown_at_its_media_url(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    posted = await _post(open311, PHOTO)
    assert posted.status_code == 200, posted.text
    [created] = posted.json()
    code, shown = created["service_request_id"], created["media_url"]
    stored = await pool.fetchrow("SELECT * FROM complaints WHERE tracking_code = $1", code)
    [ref] = stored["attachments"]
    assert ref["content_type"] == "image/png" and ref["size"] == len(PHOTO)
    assert shown.endswith(f"/open311/v2/media/{code}/{ref['key']}")

    [listed] = (await open311.get(f"/requests/{code}.json")).json()
    assert listed["media_url"] == shown
    image = await open311.get(_path(shown))
    assert image.status_code == 200 and image.content == PHOTO
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline;")
    assert image.headers["x-content-type-options"] == "nosniff"

    as_xml = await _post(open311, PHOTO, "xml")
    assert b"<media_url>http" in as_xml.content


async def test_a_retry_with_the_same_photo_is_the_same_request(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    fields = {"device_id": "device-media-retry", "description": "Meteran bocor di depan rumah"}
    before = await open311_count(pool)
    first, again = await _post(open311, PHOTO, **fields), await _post(open311, PHOTO, **fields)
    assert first.json() == again.json()
    other_photo = await _post(open311, png(5, 5), **fields)
    assert other_photo.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert await open311_count(pool) == before + 2


async def test_only_the_reports_own_photo_of_a_public_report_is_public(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    [created] = (await _post(open311, PHOTO)).json()
    code, shown = created["service_request_id"], created["media_url"]
    token = re.search(r"token akses ([0-9a-f]{32})", created["service_notice"])
    assert token is not None
    later = await open311.post(
        f"http://intake/v1/complaints/{code}/attachments",
        files={"files": ("rumah.png", png(2, 2), "image/png")},
        headers={"X-Access-Token": token[1]},
    )
    assert later.status_code == 201, later.text
    [added] = later.json()
    [listed] = (await open311.get(f"/requests/{code}.json")).json()
    assert listed["media_url"] == shown  # still the report's own photo, never the later one
    hidden = await open311.get(f"http://intake/open311/v2/media/{code}/{added['key']}")
    assert hidden.status_code == 404

    await pool.execute(
        """UPDATE complaints SET complainant = complainant || '{"confidential": true}'
        WHERE tracking_code = $1""",
        code,
    )
    [confidential] = (await open311.get(f"/requests/{code}.json")).json()
    assert confidential["media_url"] is None
    assert (await open311.get(_path(shown))).status_code == 404


@pytest.mark.parametrize(
    ("photo", "changes", "code", "mentions"),
    [
        (PDF, {}, 400, "media must be a JPEG, PNG, WebP or GIF image"),
        (b"GIF89a" + b"\0" * MAX_BYTES, {}, 413, f"over the limit of {MAX_BYTES} bytes"),
        (PHOTO, {"media_url": "https://example.id/meter.jpg"}, 400, "not both"),
        (PHOTO, {"description": None}, 400, "description is required"),
    ],
)
async def test_a_refused_photo_stores_nothing(
    open311: httpx.AsyncClient,
    pool: asyncpg.Pool,
    photo: bytes,
    changes: dict[str, str | None],
    code: int,
    mentions: str,
) -> None:
    before = await open311_count(pool)
    answer = await _post(open311, photo, **changes)
    assert answer.status_code == 400
    [error] = errors(answer)
    assert error["code"] == code and mentions in error["description"]
    assert await open311_count(pool) == before


async def test_only_one_file_named_media_is_taken(open311: httpx.AsyncClient) -> None:
    two = await open311.post(
        "/requests.json",
        data=report(media_url=None),
        files=[("media", ("a.png", PHOTO, "image/png")), ("media", ("b.png", PHOTO, "image/png"))],
    )
    assert two.status_code == 400
    assert "Too many files" in errors(two)[0]["description"]
    other = await open311.post(
        "/requests.json",
        data=report(media_url=None),
        files={"photo": ("a.png", PHOTO, "image/png")},
    )
    assert other.status_code == 400
    assert "the only file accepted is media" in errors(other)[0]["description"]
