"""An Open311 report followed to its end on the running system: routed, answered, confirmed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.open311 import assert_valid_answer
from tests.support.stack import OPEN311_KEY, Stack, staff_token
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
UNIT = "pelayanan-informasi"  # routing's unit for `information` (class light in the policy)
OFFICER = {"Authorization": f"Bearer {staff_token('officer', UNIT, 'rina')}"}


def _request(stack: Stack, code: str) -> dict[str, Any]:
    answer = stack.intake.get(f"/open311/v2/requests/{code}.json")
    assert answer.status_code == 200, answer.text
    [request] = assert_valid_answer(answer)
    return dict(request)


def _act(stack: Stack, complaint_id: str, name: str, body: dict[str, Any]) -> None:
    answer = stack.desk.post(
        f"/v1/staff/complaints/{complaint_id}/actions/{name}", json=body, headers=OFFICER
    )
    assert answer.status_code == 200, answer.text


def test_an_open311_report_is_routed_answered_and_closed_as_open311_shows_it(
    stack: Stack,
) -> None:
    since = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    posted = stack.intake.post(
        "/open311/v2/requests.json",
        data={
            "api_key": OPEN311_KEY,
            "service_code": "information",
            "description": "Mohon jadwal pemeliharaan pipa di Jl. Melati.",
            "address_string": "Jl. Melati 3, Jakarta",
            "email": "rahmat@example.id",
        },
    )
    assert posted.status_code == 200, posted.text
    [created] = assert_valid_answer(posted)
    code = created["service_request_id"]
    token = re.search(r"token akses ([0-9a-f]{32})", created["service_notice"])
    assert token is not None

    routed = eventually(
        lambda: (
            (r := _request(stack, code))["agency_responsible"] == UNIT
            and r["expected_datetime"]
            and r
        ),
        what="routing",
    )
    assert routed["status"] == "open" and routed["service_code"] == "information"
    tracked = stack.intake.get(
        f"/v1/complaints/{code}", headers={"X-Access-Token": token[1]}
    ).json()
    [resolution] = [d for d in tracked["deadlines"] if d["kind"] == "resolution"]
    assert (
        routed["expected_datetime"].replace("Z", "+00:00")[:19] == resolution["due_at"][:19]
    )  # the same instant, both in UTC

    [row] = [
        c
        for c in stack.desk.get("/v1/staff/complaints", params={"unit": UNIT}).json()
        if c["tracking_code"] == code
    ]
    _act(stack, row["id"], "acknowledge", {})
    _act(stack, row["id"], "respond", {"message": "Pemeliharaan pipa hari Sabtu pukul 08.00."})
    answered = _request(stack, code)
    assert answered["status"] == "open"
    assert (
        answered["status_notes"]
        == "Telah ditanggapi / Responded: Pemeliharaan pipa hari Sabtu pukul 08.00."
    )

    confirmed = stack.intake.post(
        f"/v1/complaints/{code}/confirm", json={}, headers={"X-Access-Token": token[1]}
    )
    assert confirmed.status_code == 200, confirmed.text
    closed = eventually(
        lambda: (r := _request(stack, code))["status"] == "closed" and r, what="closing"
    )
    assert closed["status_notes"].startswith("Selesai")
    assert closed["service_notice"] is None
    listed = stack.intake.get(
        "/open311/v2/requests.json", params={"service_code": "information", "status": "closed"}
    )
    assert code in {r["service_request_id"] for r in assert_valid_answer(listed)}

    token = stack.intake.get(f"/open311/v2/tokens/{code}.json")
    assert assert_valid_answer(token) == [{"service_request_id": code, "token": code}]
    # What FixMyStreet polls: every public step of the report since it was posted, in order.
    updates = stack.intake.get(
        "/open311/v2/servicerequestupdates.json", params={"start_date": since}
    )
    steps = [u for u in assert_valid_answer(updates) if u["service_request_id"] == code]
    assert [u["status"] for u in steps][-1] == "closed"
    assert all(u["status"] == "open" for u in steps[:-1])
    assert steps[-1]["updated_datetime"] == closed["updated_datetime"]
    assert any(
        u["description"].endswith(": Pemeliharaan pipa hari Sabtu pukul 08.00.") for u in steps
    )
    assert len({u["update_id"] for u in steps}) == len(steps)
