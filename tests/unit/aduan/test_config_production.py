"""Settings that would leave production's Secure cookies with nowhere to go are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aduan.config import Settings

SECRET = "s" * 40


@pytest.mark.parametrize("url", ["http://pengaduan.example.id", "pengaduan.example.id"])
def test_production_refuses_a_public_url_that_is_not_https(url: str) -> None:
    with pytest.raises(ValidationError, match="ADUAN_PUBLIC_URL must be an https:// URL"):
        Settings(environment="production", secret_key=SECRET, public_url=url)


@pytest.mark.parametrize("url", ["https://pengaduan.example.id", "HTTPS://X.example.id", ""])
def test_production_takes_https_or_no_public_url(url: str) -> None:
    assert Settings(environment="production", secret_key=SECRET, public_url=url).public_url == url


def test_development_takes_a_plain_http_public_url() -> None:
    assert Settings(public_url="http://localhost:8000").public_url == "http://localhost:8000"
