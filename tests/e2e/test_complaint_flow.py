"""A complaint's whole path through the running system, as a user sees it."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.support.stack import Ombudsman, Stack, confirm_address
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def _submit(stack: Stack, **extra: Any) -> dict[str, Any]:
    body = {
        "description": "Tagihan air saya naik dua kali lipat, meter tidak pernah dicek.",
        "channel": "web",
        "account_ref": "PEL-7781",
        "complainant": {"name": "Siti Aminah", "email": extra.pop("email")},
        **extra,
    }
    answer = stack.intake.post("/v1/complaints", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _view(stack: Stack, created: dict[str, Any]) -> dict[str, Any]:
    answer = stack.intake.get(
        f"/v1/complaints/{created['tracking_code']}",
        headers={"X-Access-Token": created["access_token"]},
    )
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    return view


def test_silence_escalates_to_supervisor_then_ombudsman_with_a_dossier(
    stack: Stack, ombudsman: Ombudsman
) -> None:
    created = _submit(stack, email="siti@example.id")
    code = created["tracking_code"]
    confirm_address(stack, "siti@example.id", code)

    view = eventually(
        lambda: (v := _view(stack, created))["escalation_level"] == "ombudsman" and v,
        timeout=90,
        what="escalation to the Ombudsman",
    )
    assert view["unit"] == "penagihan"
    assert view["status"] == "routed"
    assert {d["kind"]: d["missed"] for d in view["deadlines"]}["first_response"] is True
    events = [entry["event_type"] for entry in view["timeline"]]
    assert events.count("escalated") == 2

    dossier = eventually(
        lambda: next(
            (d for d in ombudsman.dossiers if d["complaint"]["tracking_code"] == code), None
        ),
        what="the dossier at the Ombudsman",
    )
    assert dossier["complaint"]["account_ref"] == "PEL-7781"
    assert dossier["complainant"]["name"] == "Siti Aminah"
    assert dossier["maladministration"] == "tidak_memberikan_pelayanan"
    missed = {d["kind"] for d in dossier["deadlines"] if d["missed"]}
    assert "first_response" in missed
    assert [e["level"] for e in dossier["escalations"]] == ["supervisor", "ombudsman"]

    def all_mail() -> list[str] | None:
        subjects = [str(m["Subject"]) for m in stack.mailbox("siti@example.id")]
        # The receipt, then each step from the confirmation on: the first deadline missed
        # and both escalations at least (routing may have been told before she confirmed).
        return subjects if len(subjects) >= 4 else None

    subjects = eventually(all_mail, what="the complainant's mail")
    assert all(code in subject for subject in subjects)
    assert any("diterima" in s.lower() for s in subjects)  # the receipt, in Bahasa Indonesia
    assert len(subjects) == len(set(subjects))  # never the same message twice
    supervisor = eventually(
        lambda: stack.mailbox("supervisor@localhost"), what="the supervisor's mail"
    )
    assert any(code in str(m["Subject"]) for m in supervisor)


def test_a_complaint_acknowledged_and_answered_in_time_never_escalates(stack: Stack) -> None:
    created = _submit(stack, email="budi@example.id", **{"class": "light"})
    complaint_id = created["id"]
    eventually(lambda: _view(stack, created)["status"] == "routed", what="routing")

    acted = stack.desk.post(f"/v1/staff/complaints/{complaint_id}/actions/acknowledge", json={})
    assert acted.status_code == 200, acted.text
    assert acted.json()["status"] == "in_progress"
    again = stack.desk.post(f"/v1/staff/complaints/{complaint_id}/actions/acknowledge", json={})
    assert again.status_code == 409
    answered = stack.desk.post(
        f"/v1/staff/complaints/{complaint_id}/actions/respond",
        json={"message": "Meter sudah dikalibrasi."},
    )
    assert answered.status_code == 200, answered.text

    view = eventually(
        lambda: (v := _view(stack, created))["status"] == "closed" and v,
        what="closure after the confirm window",
    )
    assert view["outcome"] == "auto_closed"
    assert view["escalation_level"] == "none"
    assert "escalated" not in [entry["event_type"] for entry in view["timeline"]]
    assert any(entry.get("message") == "Meter sudah dikalibrasi." for entry in view["timeline"])
    unauthenticated = stack.desk.get("/v1/staff/complaints", headers={"Authorization": ""})
    assert unauthenticated.status_code == 401


def test_after_a_restart_complaints_are_still_there_and_their_lifecycles_go_on(
    stack: Stack,
) -> None:
    created = _submit(stack, email="rina@example.id", **{"class": "light"})
    eventually(lambda: _view(stack, created)["status"] == "routed", what="routing")

    stack.stop()
    leftovers = subprocess.run(["pgrep", "-f", str(stack.data)], capture_output=True, text=True)
    assert leftovers.stdout == "", "Ctrl-C left processes behind"
    stack.start()

    assert _view(stack, created)["status"] == "routed"
    acted = stack.desk.post(f"/v1/staff/complaints/{created['id']}/actions/acknowledge", json={})
    assert acted.status_code == 200, acted.text
    assert _view(stack, created)["status"] == "in_progress"
