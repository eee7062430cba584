"""Officer and complainant actions through desk and intake, on the running system."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.stack import Stack, confirm_address, staff_token
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def _submit(stack: Stack, email: str) -> dict[str, Any]:
    answer = stack.intake.post(
        "/v1/complaints",
        json={
            "description": "Meter air saya rusak dan tagihannya melonjak.",
            "class": "light",
            "complainant": {"name": "Dewi", "email": email},
        },
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _status(stack: Stack, created: dict[str, Any]) -> str:
    view = stack.intake.get(
        f"/v1/complaints/{created['tracking_code']}",
        headers={"X-Access-Token": created["access_token"]},
    ).json()
    status: str = view["status"]
    return status


OFFICER = {"Authorization": f"Bearer {staff_token('officer', 'penagihan', 'ani')}"}


def _staff(stack: Stack, created: dict[str, Any], name: str, body: dict[str, Any]) -> Any:
    answer = stack.desk.post(
        f"/v1/staff/complaints/{created['id']}/actions/{name}", json=body, headers=OFFICER
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _complainant(stack: Stack, created: dict[str, Any], name: str, body: dict[str, Any]) -> Any:
    answer = stack.intake.post(
        f"/v1/complaints/{created['tracking_code']}/{name}",
        json=body,
        headers={"X-Access-Token": created["access_token"]},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_complaint_handled_to_the_end_with_a_dispute_closes_resolved(stack: Stack) -> None:
    email = "dewi@example.id"
    created = _submit(stack, email)
    confirm_address(stack, email, created["tracking_code"])
    eventually(lambda: _status(stack, created) == "routed", what="routing")

    assert _staff(stack, created, "acknowledge", {})["status"] == "in_progress"
    assert (
        _staff(stack, created, "request-info", {"message": "Mohon kirim nomor meter Anda."})[
            "status"
        ]
        == "waiting_complainant"
    )
    assert (
        _complainant(stack, created, "replies", {"message": "Nomor meter 88-1234"})["status"]
        == "in_progress"
    )
    assert _staff(stack, created, "respond", {"message": "Meter diganti."})["status"] == "responded"
    disputed = _complainant(stack, created, "dispute", {"message": "Tagihan masih salah."})
    assert (disputed["status"], disputed["reopen_count"]) == ("in_progress", 1)
    assert (
        _staff(stack, created, "respond", {"message": "Tagihan dikoreksi."})["status"]
        == "responded"
    )
    closed = _complainant(stack, created, "confirm", {})
    assert (closed["status"], closed["outcome"]) == ("closed", "resolved")
    assert "officer" not in closed  # the complainant does not learn who handled it

    expected = [
        "received",
        "routed",
        "acknowledged",
        "info_requested",
        "replied",
        "responded",
        "disputed",
        "responded",
        "closed",
    ]
    view = stack.intake.get(
        f"/v1/complaints/{created['tracking_code']}",
        headers={"X-Access-Token": created["access_token"]},
    ).json()
    assert [e["event_type"] for e in view["timeline"]] == expected[1:]

    code = created["tracking_code"]

    def mails() -> list[Any] | None:
        received = stack.mailbox(email)
        # The receipt and every step after the confirmation (routing's may come before it).
        closed = any("ditutup" in str(m["Subject"]) for m in received)
        return received if closed and len(received) >= 7 else None

    received = eventually(mails, what="a message per step")
    assert all(code in str(m["Subject"]) for m in received)
    message_ids = [m["Message-ID"] for m in received]
    assert len(message_ids) == len(set(message_ids))  # no step told twice


def test_staff_actions_need_a_token_the_right_unit_and_an_allowed_state(stack: Stack) -> None:
    created = _submit(stack, "eko@example.id")
    eventually(lambda: _status(stack, created) == "routed", what="routing")
    url = f"/v1/staff/complaints/{created['id']}/actions/respond"

    assert (
        stack.desk.post(url, json={"message": "x"}, headers={"Authorization": ""}).status_code
        == 401
    )
    other_unit = staff_token("officer", "distribusi", "budi")
    forbidden = stack.desk.post(
        url, json={"message": "x"}, headers={"Authorization": f"Bearer {other_unit}"}
    )
    assert forbidden.status_code == 403
    ops = stack.desk.post(
        url,
        json={"message": "x"},
        headers={"Authorization": f"Bearer {staff_token('ops', None, 'o')}"},
    )
    assert ops.status_code == 403
    refused = stack.desk.post(url, json={"message": "x"}, headers=OFFICER)
    assert refused.status_code == 409  # not acknowledged yet
    assert "in_progress" in refused.json()["detail"]
    wrong_token = stack.intake.post(
        f"/v1/complaints/{created['tracking_code']}/confirm",
        json={},
        headers={"X-Access-Token": "0" * 32},
    )
    assert wrong_token.status_code == 404
