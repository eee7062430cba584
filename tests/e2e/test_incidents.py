"""One outage, many complaints, through the running system: twenty complaints about the same
water outage in one district and five about other things. The twenty are proposed as related
and the five are not; a supervisor links them into an incident and answers it on the desk's
page, which moves the twenty (and only those) to `responded`, and each complainant's mailbox
holds the answer once; a complaint arriving later is linked on arrival and its complainant is
told the problem is known. The citizen form names the disruption, and axe checks every page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import assert_accessible, chromium
from tests.support.incident_texts import (
    OTHER_TOPICS,
    OUTAGE_DESCRIPTION,
    OUTAGE_REGION,
    OUTAGE_TITLE,
    SAME_OUTAGE,
)
from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
OTHER_CATEGORIES = ["billing", "meter", "officer_conduct", "information", "general"]
ANSWER = "Pipa transmisi ke Sukajadi sudah diperbaiki; air mengalir kembali sejak pukul 14.00."
# Where to keep screenshots of the pages (docs/images), when asked to.
SCREENSHOTS = os.environ.get("ADUAN_SCREENSHOTS")
LATE = "Air mati di rumah saya di Sukajadi sejak Senin pagi, sampai sekarang belum mengalir."


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _enter(stack: Stack, text: str, email: str, region: str, category: str | None) -> str:
    """A complaint taken on the phone (the caller's address is proven), routed."""
    body: dict[str, Any] = {
        "description": text,
        "class": "light",  # deadlines of a minute: the test answers well within them
        "location": {"region_code": region},
        "complainant": {"name": email.split("@")[0].title(), "email": email},
    }
    if category:
        body["category"] = category
    if category == "billing":  # its one required question
        body["answers"] = {"billing_month": "2026-03"}
    answer = stack.desk.post("/v1/staff/complaints", json=body)
    assert answer.status_code == 201, answer.text
    complaint_id: str = answer.json()["id"]
    return complaint_id


def _status(stack: Stack, complaint_id: str) -> str:
    status: str = stack.desk.get(f"/v1/staff/complaints/{complaint_id}").json()["status"]
    return status


def _bodies(stack: Stack, email: str) -> list[str]:
    bodies = []
    for mail in stack.mailbox(email):
        part = mail.get_body(preferencelist=("plain",))
        bodies.append(part.get_content() if part is not None else "")
    return bodies


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=Path(SCREENSHOTS) / name, full_page=True)


def _admin_password(stack: Stack) -> str:
    def printed() -> str | None:
        found = re.search(r"user admin, password (\S+)", stack.log.read_text("utf-8"))
        return found[1] if found else None

    return eventually(printed, what="the first admin's password in make run's output")


def _sign_in(page: Page, base: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Antrean pengaduan")).to_be_visible()


def test_one_answer_for_twenty_complaints_about_one_outage(stack: Stack, browser: Browser) -> None:
    outage = [
        _enter(stack, text, f"warga{n}@example.id", f"{OUTAGE_REGION}.{1001 + n}", "no_water")
        for n, text in enumerate(SAME_OUTAGE)
    ]
    others = [
        _enter(stack, text, f"lain{n}@example.id", f"{OUTAGE_REGION}.{2001 + n}", category)
        for n, (text, category) in enumerate(zip(OTHER_TOPICS, OTHER_CATEGORIES, strict=True))
    ]
    for complaint_id in outage + others:
        eventually(lambda c=complaint_id: _status(stack, c) == "routed", what="routing")

    related = stack.desk.get(f"/v1/staff/complaints/{outage[0]}/related")
    assert related.status_code == 200, related.text
    proposed = {r["id"] for r in related.json()["related"]}
    assert proposed == set(outage[1:])
    assert not proposed & set(others)

    created = stack.desk.post(
        "/v1/staff/incidents",
        json={"title": OUTAGE_TITLE, "description": OUTAGE_DESCRIPTION,
              "category": "no_water", "region_code": OUTAGE_REGION},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    incident_id = created.json()["id"]
    for complaint_id in outage:
        linked = stack.desk.post(
            f"/v1/staff/incidents/{incident_id}/complaints", json={"complaint_id": complaint_id}
        )
        assert linked.status_code == 200, linked.text

    # A supervisor (here the admin) answers the incident on its page.
    base = stack.url("DESK_PORT")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    _sign_in(page, base, _admin_password(stack))
    page.goto(f"{base}/complaints/{outage[0]}")
    expect(page.locator("#related-list")).to_contain_text("0.")
    expect(page.locator("#incident-of")).to_contain_text(OUTAGE_TITLE)
    assert_accessible(page)
    _shot(page, "desk-related.png")
    page.get_by_role("navigation").get_by_role("link", name="Insiden").click()
    expect(page.get_by_role("heading", name="Insiden", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=OUTAGE_TITLE).first.click()
    expect(page.locator("#incident-title")).to_have_text(OUTAGE_TITLE)
    assert_accessible(page)
    form = page.get_by_role("form", name="Jawab semua pengaduan")
    form.get_by_label("Jawaban untuk para pelapor").fill(ANSWER)
    form.get_by_role("button", name="Jawab semua pengaduan").click()
    expect(page.locator("#notice")).to_contain_text("Jawaban insiden terkirim")
    expect(page.locator("#results tbody tr")).to_have_count(20)
    expect(page.locator("#results")).not_to_contain_text("dilewati")
    assert_accessible(page)
    _shot(page, "desk-incident.png")
    context.close()

    for complaint_id in outage:
        eventually(lambda c=complaint_id: _status(stack, c) == "responded", what="the answer")
    assert all(_status(stack, c) == "routed" for c in others)
    for n in range(len(SAME_OUTAGE)):
        email = f"warga{n}@example.id"
        eventually(
            lambda e=email: sum(ANSWER in b for b in _bodies(stack, e)) == 1,
            what=f"the answer in {email}'s mailbox",
        )
    for n in range(len(OTHER_TOPICS)):
        assert not any(ANSWER in b for b in _bodies(stack, f"lain{n}@example.id"))
    # Once, even after every mail has gone: nothing is sent twice.
    for n in range(len(SAME_OUTAGE)):
        assert sum(ANSWER in b for b in _bodies(stack, f"warga{n}@example.id")) == 1

    # A complaint arriving later is linked on arrival, and its complainant is told.
    late = _enter(stack, LATE, "terlambat@example.id", f"{OUTAGE_REGION}.1099", None)

    def linked_on_arrival() -> dict[str, Any] | None:
        shown = stack.desk.get(f"/v1/staff/incidents/{incident_id}").json()
        return next((c for c in shown["linked"] if c["id"] == late), None)

    assert eventually(linked_on_arrival, what="the late complaint linked")["how"] == "arrival"
    told = eventually(
        lambda: [b for b in _bodies(stack, "terlambat@example.id") if OUTAGE_TITLE in b],
        what="the late complainant told the problem is known",
    )
    assert "sudah kami ketahui" in told[0] and f"/gangguan/{incident_id}" in told[0]

    # The citizen form names the disruption; its page shows the answer.
    citizen = browser.new_context().new_page()
    notice = citizen.locator("#known-incidents")

    def named() -> bool:  # the form's list may be up to 30 seconds old
        citizen.goto(stack.url("INTAKE_PORT") + "/")
        return notice.count() == 1 and OUTAGE_TITLE in notice.inner_text()

    eventually(named, what="the disruption on the citizen form")
    _shot(citizen, "citizen-known-incident.png")
    expect(notice).to_contain_text("Gangguan yang sudah diketahui di wilayah Anda")
    expect(notice).to_contain_text(OUTAGE_TITLE)
    assert_accessible(citizen)
    notice.get_by_role("link", name="Ikuti gangguan ini").first.click()
    expect(citizen.locator("#incident-title")).to_have_text(OUTAGE_TITLE)
    expect(citizen.locator("#incident-answer")).to_contain_text(ANSWER)
    assert_accessible(citizen)
    citizen.context.close()
