"""The desk's role rules, role by role, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from aduan.domain.errors import AduanError
from aduan.domain.staff import Role, Staff
from aduan.web.problems import status_of
from services.desk import access

OFFICER = Staff("budi", Role.OFFICER, "penagihan")
SUPERVISOR = Staff("siti", Role.SUPERVISOR, "penagihan")
OPS = Staff("ani", Role.OPS)
ADMIN = Staff("root", Role.ADMIN)


@pytest.mark.parametrize(
    ("staff", "unit", "level", "reads", "acts"),
    [
        (OFFICER, "penagihan", "none", True, True),
        (OFFICER, "meter", "none", False, False),
        (OFFICER, "meter", "supervisor", False, False),
        (OFFICER, None, "none", False, False),
        (SUPERVISOR, "penagihan", "none", True, True),
        (SUPERVISOR, "meter", "none", False, False),
        (SUPERVISOR, "meter", "supervisor", True, False),  # reads escalations, acts in its unit
        (SUPERVISOR, "meter", "ombudsman", True, False),
        (OPS, "meter", "none", True, False),
        (ADMIN, "meter", "none", True, True),
        (ADMIN, None, "none", True, True),
    ],
    ids=lambda value: getattr(value, "role", value),
)
def test_who_reads_and_who_acts(
    staff: Staff, unit: str | None, level: str, reads: bool, acts: bool
) -> None:
    assert access.can_read(staff, unit, level) is reads
    assert access.can_act(staff, unit) is acts


def test_refusals_are_403_problems() -> None:
    with pytest.raises(AduanError) as refused:
        access.require_act(OPS, "penagihan")
    assert status_of(refused.value) == 403
    with pytest.raises(AduanError) as refused:
        access.require_read(OFFICER, "meter", "none")
    assert status_of(refused.value) == 403


def test_queue_scopes() -> None:
    assert access.queue_scope(OFFICER, None) == access.QueueScope("penagihan", False)
    assert access.queue_scope(OFFICER, "penagihan") == access.QueueScope("penagihan", False)
    assert access.queue_scope(SUPERVISOR, "meter") == access.QueueScope("penagihan", True)
    assert access.queue_scope(OPS, "meter") == access.QueueScope()
    with pytest.raises(AduanError) as refused:
        access.queue_scope(OFFICER, "meter")
    assert status_of(refused.value) == 403


def test_whose_monthly_report_each_role_may_download() -> None:
    assert access.report_unit(OPS, None) is None  # every unit
    assert access.report_unit(ADMIN, "meter") == "meter"
    assert access.report_unit(SUPERVISOR, None) == "penagihan"  # their own, unasked
    assert access.report_unit(SUPERVISOR, "penagihan") == "penagihan"
    for staff, unit in ((SUPERVISOR, "meter"), (OFFICER, None), (OFFICER, "penagihan")):
        with pytest.raises(AduanError) as refused:
            access.report_unit(staff, unit)
        assert status_of(refused.value) == 403


COMPLAINT: dict[str, Any] = {
    "complainant": {
        "name": "Siti",
        "email": "siti@example.id",
        "phone": "0812",
        "confidential": True,
    },
    "account_ref": "PEL-1",
}


@pytest.mark.parametrize(
    ("staff", "sees"),
    [(OFFICER, False), (OPS, False), (SUPERVISOR, True), (ADMIN, True)],
    ids=lambda value: getattr(value, "role", value),
)
def test_a_confidential_identity_is_shown_to_supervisors_and_admins_only(
    staff: Staff, sees: bool
) -> None:
    shown = access.redacted(staff, COMPLAINT)
    if sees:
        assert shown == COMPLAINT
    else:
        assert shown == {"complainant": {"confidential": True, "hidden": True}, "account_ref": None}


def test_answers_naming_the_customer_are_hidden_with_a_confidential_identity() -> None:
    answers = {"meter_number": "88-1234", "billing_month": "2026-03"}
    complaint = {**COMPLAINT, "answers": answers}
    shown = access.redacted(OFFICER, complaint, {"meter_number"})
    assert shown["answers"] == {"billing_month": "2026-03"} and shown["answers_hidden"]
    # Not told which answers name the customer: none is shown.
    assert access.redacted(OPS, complaint)["answers"] == {}
    assert access.redacted(SUPERVISOR, complaint, {"meter_number"})["answers"] == answers
    ordinary = {"complainant": {"confidential": False}, "answers": answers}
    assert access.redacted(OFFICER, ordinary, {"meter_number"}) == ordinary


def test_an_ordinary_identity_is_shown_to_everyone() -> None:
    ordinary = {"complainant": {"name": "Siti", "confidential": False}, "account_ref": "PEL-1"}
    assert access.redacted(OFFICER, ordinary) == ordinary


KINDS: dict[str, dict[str, Any]] = {
    "confidential": COMPLAINT,
    "ordinary": {"complainant": {"name": "Siti"}, "account_ref": None},
    "only-a-customer-number": {"complainant": {}, "account_ref": "PEL-2"},
    "nobody": {"complainant": {}, "account_ref": None},
    "anonymous-by-sms": {"complainant": {"phone": "0812", "anonymous": True}, "account_ref": None},
}


def _names_someone(view: dict[str, Any]) -> bool:
    who = view["complainant"]
    return any(who.get(f) for f in ("name", "email", "phone")) or bool(view["account_ref"])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("staff", [OFFICER, SUPERVISOR, OPS, ADMIN], ids=lambda s: s.role)
def test_the_access_log_says_identity_shown_exactly_when_the_view_names_someone(
    staff: Staff, kind: str
) -> None:
    complaint = KINDS[kind]
    assert access.shows_identity(staff, complaint) is _names_someone(
        access.redacted(staff, complaint)
    )


def test_pages_count_only_what_they_show() -> None:
    anonymous = KINDS["anonymous-by-sms"]
    assert access.shows_identity(ADMIN, anonymous)  # the API gives the channel's phone
    assert not access.shows_identity(ADMIN, anonymous, on_page=True)  # "anonymous", no more
    # The inspector's visits show the phone only.
    assert not access.shows_identity(ADMIN, KINDS["ordinary"], ("phone",), on_page=True)
    assert access.shows_identity(ADMIN, COMPLAINT, ("phone",), on_page=True)
    assert not access.shows_identity(OFFICER, COMPLAINT, ("phone",), on_page=True)


def test_only_admins_read_the_access_log() -> None:
    access.require_log_reader(ADMIN)
    for staff in (OFFICER, SUPERVISOR, OPS):
        with pytest.raises(AduanError) as refused:
            access.require_log_reader(staff)
        assert status_of(refused.value) == 403
