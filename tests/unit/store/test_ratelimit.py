"""Which requests count against which limit, and who a client address is."""

from __future__ import annotations

import pytest

from aduan.config import Settings
from aduan.store.ratelimit import Scope, check_rates, client_key, rates
from services.intake.limits import scope_of


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("POST", "/v1/complaints", Scope.SUBMISSIONS),
        ("POST", "/portal/complaints", Scope.SUBMISSIONS),
        ("POST", "/open311/v2/requests.json", Scope.SUBMISSIONS),
        ("POST", "/v1/complaints/ADU-1234-5678/attachments", Scope.UPLOADS),
        ("POST", "/track/attachments", Scope.UPLOADS),
        ("POST", "/track", Scope.LOGINS),
        ("POST", "/track/actions/replies", Scope.LOGINS),
        ("GET", "/v1/complaints/ADU-1234-5678", Scope.LOGINS),
        ("POST", "/v1/complaints/ADU-1234-5678/replies", Scope.LOGINS),
        ("GET", "/v1/complaints/ADU-1234-5678/attachments/abc", Scope.LOGINS),
        ("POST", "/v1/webhooks/sms", Scope.WEBHOOKS),
        ("GET", "/v1/public/stats", Scope.READS),
        ("GET", "/open311/v2/requests.xml", Scope.READS),
        ("GET", "/open311/v2/requests/ADU-1234-5678.json", Scope.READS),
        ("GET", "/open311/v2/tokens/ADU-1234-5678.xml", Scope.READS),
        ("GET", "/open311/v2/servicerequestupdates.json", Scope.READS),
        ("GET", f"/open311/v2/media/ADU-1234-5678/{'k' * 32}", Scope.READS),
        ("GET", "/", None),
        ("GET", "/track", None),
        ("GET", "/open311/v2/services.json", None),
        ("GET", "/healthz", None),
    ],
)
def test_each_public_door_counts_against_its_own_limit(
    method: str,
    path: str,
    scope: Scope | None,
) -> None:
    assert scope_of(method, path) == scope


def test_an_ipv6_client_is_counted_by_its_64_prefix() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("203.0.113.7") == "203.0.113.7"


def test_rates_are_read_with_the_limits_syntax_and_a_bad_one_stops_the_start() -> None:
    settings = Settings(rate_submissions="3/minute;20/day", rate_reads="")
    assert [(r.amount, r.get_expiry()) for r in rates(settings, Scope.SUBMISSIONS)] == [
        (3, 60),
        (20, 86400),
    ]
    assert rates(settings, Scope.READS) == ()
    with pytest.raises(ValueError, match="ADUAN_RATE_UPLOADS"):
        check_rates(Settings(rate_uploads="many per minute"))
