"""The `aduan` command's pure parts: `sla due` and `token`.

Hand-checked dates (holidays package, ID, public + government): 2026-12-24 Thu Christmas
cuti bersama, 12-25 Fri Christmas, 12-26/27 weekend; 2027-01-01 Fri New Year;
2027-01-05 Tue Isra Mi'raj.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aduan.adapters.tokens import verify_token
from aduan.cli import app
from aduan.config import get_settings
from aduan.domain.staff import Role, Staff

SECRET = "cli-test-secret-long-enough-for-hs256"
runner = CliRunner()


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings from a known environment: the test secret and the policy that ships."""
    monkeypatch.setenv("ADUAN_SECRET_KEY", SECRET)
    for name in (
        "ADUAN_SLA_POLICY",
        "ADUAN_JWT_JWKS_URL",
        "ADUAN_JWT_ISSUER",
        "ADUAN_JWT_AUDIENCE",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _rows(output: str) -> list[tuple[str, str]]:
    return [
        (label.strip(), due)
        for label, due in (line.rsplit(maxsplit=1) for line in output.splitlines())
    ]


def _table(output: str) -> dict[str, str]:
    return dict(_rows(output))


# --- aduan sla due ----------------------------------------------------------------------


def test_a_standard_complaint_received_before_christmas_is_due_after_the_holidays() -> None:
    result = runner.invoke(
        app, ["sla", "due", "--class", "standard", "--received", "2026-12-23T10:00"]
    )
    assert result.exit_code == 0, result.output
    # Working days after Wed 23 Dec: 28, 29, 30, 31 Dec, 4 Jan, (5 Jan Isra Mi'raj), 6, 7, 8,
    # 11, 12, 13, 14, 15, 18 Jan ... 3wd ends with 30 Dec, 14wd with 18 Jan. The Ombudsman
    # step is 5wd after the missed deadline: 31 Dec, 4, 6, 7, 8 Jan / 19, 20, 21, 22, 25 Jan.
    assert _rows(result.stdout) == [  # in the order a complaint meets them
        ("routing", "2026-12-31T00:00:00+07:00"),
        ("routing -> supervisor", "2026-12-31T00:00:00+07:00"),
        ("routing -> ombudsman", "2027-01-09T00:00:00+07:00"),
        ("first_response", "2026-12-31T00:00:00+07:00"),
        ("first_response -> supervisor", "2026-12-31T00:00:00+07:00"),
        ("first_response -> ombudsman", "2027-01-09T00:00:00+07:00"),
        ("resolution", "2027-01-19T00:00:00+07:00"),
        ("resolution -> supervisor", "2027-01-19T00:00:00+07:00"),
        ("resolution -> ombudsman", "2027-01-26T00:00:00+07:00"),
    ]


def test_hours_ignore_the_calendar_and_an_offset_is_honoured() -> None:
    # 03:00 UTC is 10:00 in Jakarta; urgent: first response in 24 hours, resolution 5wd.
    result = runner.invoke(
        app, ["sla", "due", "--class", "urgent", "--received", "2026-12-23T03:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    table = _table(result.stdout)
    assert table["first_response"] == "2026-12-24T10:00:00+07:00"  # on cuti bersama: hours
    # The ladder counts working days from the day the deadline fell on (24 Dec):
    # 28, 29, 30, 31 Dec, 4 Jan.
    assert table["first_response -> ombudsman"] == "2027-01-05T00:00:00+07:00"
    assert table["resolution"] == "2027-01-05T00:00:00+07:00"  # 28, 29, 30, 31 Dec, 4 Jan


def test_a_received_time_without_offset_is_read_in_the_policys_zone(tmp_path: Path) -> None:
    policy = tmp_path / "papua.yaml"
    policy.write_text(
        "unit: seconds\ntimezone: Asia/Jayapura\nrouting_due: 60\n"
        "classes: {quick: {first_response: 90, resolution: 3600}}\ndefault_class: quick\n"
        "extension: {max: 10}\nescalation: [{level: supervisor, after: 0}]\n"
        "complainant: {info_window: 30, confirm_window: 5}\n"
    )
    result = runner.invoke(
        app,
        [
            "sla",
            "due",
            "--class",
            "quick",
            "--received",
            "2026-05-04T08:00",
            "--policy",
            str(policy),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _table(result.stdout) == {
        "routing": "2026-05-04T08:01:00+09:00",
        "routing -> supervisor": "2026-05-04T08:01:00+09:00",
        "first_response": "2026-05-04T08:01:30+09:00",
        "first_response -> supervisor": "2026-05-04T08:01:30+09:00",
        "resolution": "2026-05-04T09:00:00+09:00",
        "resolution -> supervisor": "2026-05-04T09:00:00+09:00",
    }


def test_an_unknown_class_lists_the_classes_and_exits_2() -> None:
    result = runner.invoke(app, ["sla", "due", "--class", "rush", "--received", "2026-12-23T10:00"])
    assert result.exit_code == 2
    assert "'rush'" in result.stderr
    assert "light, normative, standard, supervisory, urgent" in result.stderr
    assert result.stdout == ""


def test_a_received_time_that_is_not_iso_exits_2() -> None:
    result = runner.invoke(app, ["sla", "due", "--class", "light", "--received", "tomorrow"])
    assert result.exit_code == 2
    assert "ISO" in result.stderr


def test_an_unreadable_policy_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "sla",
            "due",
            "--class",
            "light",
            "--received",
            "2026-12-23T10:00",
            "--policy",
            str(tmp_path / "none.yaml"),
        ],
    )
    assert result.exit_code == 1
    assert "cannot read policy" in result.stderr


# --- aduan token ------------------------------------------------------------------------


def test_a_printed_token_verifies_with_the_configured_secret() -> None:
    result = runner.invoke(
        app, ["token", "--user", "budi", "--role", "officer", "--unit", "penagihan"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert verify_token(token, SECRET) == Staff(user="budi", role=Role.OFFICER, unit="penagihan")


def test_an_admin_token_needs_no_unit() -> None:
    result = runner.invoke(app, ["token", "--user", "root", "--role", "admin", "--hours", "1"])
    assert result.exit_code == 0, result.output
    assert verify_token(result.stdout.strip(), SECRET).role == Role.ADMIN


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss"], "unknown role 'boss'"),
        (["--role", "officer"], "needs a unit"),
        (["--role", "supervisor"], "needs a unit"),
    ],
)
def test_a_token_no_staff_member_could_hold_is_refused_with_exit_2(
    args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["token", "--user", "budi", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
