"""The desk's pages in a real headless Chromium against the running system, as staff use
them: the admin signs in with the password `make run` printed, adds an officer and a
response template, and the officer takes a citizen's complaint to `responded` from that
template without a terminal; a supervisor added with `aduan users add` sees the late
complaints of the unit's officers. axe-core checks every page on the way."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import assert_accessible, chromium
from tests.support.samples import png
from tests.support.stack import Stack, confirm_address
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
# Where to keep screenshots of the pages (docs/images for the README), when asked to.
SCREENSHOTS = os.environ.get("ADUAN_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _admin_password(stack: Stack) -> str:
    def printed() -> str | None:
        found = re.search(r"user admin, password (\S+)", stack.log.read_text("utf-8"))
        return found[1] if found else None

    return eventually(printed, what="the first admin's password in make run's output")


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=Path(SCREENSHOTS) / name, full_page=True)


def _sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Antrean pengaduan")).to_be_visible()
    assert_accessible(page)


def _submit(stack: Stack, email: str) -> dict[str, Any]:
    answer = stack.intake.post(
        "/v1/complaints",
        json={
            "subject": "Tagihan melonjak",
            "description": "Meter air saya rusak dan tagihannya melonjak dua kali lipat.",
            "class": "light",
            "complainant": {"name": "Sari", "email": email},
        },
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    confirm_address(stack, email, created["tracking_code"])
    return created


def _public_status(stack: Stack, created: dict[str, Any]) -> str:
    view = stack.intake.get(
        f"/v1/complaints/{created['tracking_code']}",
        headers={"X-Access-Token": created["access_token"]},
    ).json()
    status: str = view["status"]
    return status


def _act(page: Page, action: str, fields: dict[str, str] | None = None) -> None:
    form = page.get_by_role("form", name=action)
    for label, value in (fields or {}).items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=action).click()


def test_an_admin_adds_an_officer_who_answers_a_citizens_complaint(
    stack: Stack, browser: Browser
) -> None:
    base = stack.url("DESK_PORT")
    admin = browser.new_context(viewport={"width": 1366, "height": 768})
    page = admin.new_page()
    _sign_in(page, base, "admin", _admin_password(stack))
    page.get_by_role("link", name="Akun").click()
    assert_accessible(page)
    add = page.get_by_role("form", name="Tambah akun")
    add.get_by_label("Nama pengguna").fill("ani.desk")
    add.get_by_label("Nama tampilan").fill("Ani Lestari")
    add.get_by_label("Peran").select_option("officer")
    add.get_by_label("Kode unit").fill("penagihan")
    add.get_by_role("button", name="Tambah").click()
    shown = page.locator("#notice").inner_text()
    password = re.search(r"Kata sandi ani\.desk: (\S+) ", shown)
    assert password, shown
    assert_accessible(page)
    page.get_by_role("link", name="Template jawaban").click()
    new = page.get_by_role("form", name="Tambah template")
    new.get_by_label("Judul").fill("Meter diganti")
    new.get_by_label("Isi jawaban").fill(
        "Yth. {name}, meter pada pengaduan {tracking_code} sudah kami ganti; tagihan dikoreksi."
    )
    new.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", name="Meter diganti")).to_be_visible()
    assert_accessible(page)
    admin.close()

    email = "sari@example.id"
    created = _submit(stack, email)
    eventually(lambda: _public_status(stack, created) == "routed", what="routing")

    officer = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = officer.new_page()
    _sign_in(page, base, "ani.desk", password[1])
    _shot(page, "desk-queue-phone.png")
    page.get_by_label("Kode pelacakan atau kata").fill("tagihan melonjak")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator("#queue")).to_contain_text(created["tracking_code"])
    page.get_by_label("Kode pelacakan atau kata").fill(created["tracking_code"].lower())
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator("#tracking-code")).to_have_text(created["tracking_code"])
    assert_accessible(page)

    _act(page, "Tangani")
    expect(page.locator("#status")).to_have_text("sedang ditangani")
    _act(page, "Minta informasi", {"Pesan untuk pelapor": "Mohon kirim nomor meter Anda."})
    expect(page.locator("#status")).to_have_text("menunggu pelapor")
    replied = stack.intake.post(
        f"/v1/complaints/{created['tracking_code']}/replies",
        json={"message": "Nomor meter 88-1234"},
        headers={"X-Access-Token": created["access_token"]},
    )
    assert replied.status_code == 200, replied.text
    page.reload()
    expect(page.locator("#status")).to_have_text("sedang ditangani")
    expect(page.locator("#timeline")).to_contain_text("Nomor meter 88-1234")
    page.get_by_role("link", name="Meter diganti").click()  # the template, filled in
    answer = f"Yth. Sari, meter pada pengaduan {created['tracking_code']} sudah kami ganti"
    expect(
        page.get_by_role("form", name="Jawab").get_by_label("Pesan untuk pelapor")
    ).to_have_value(re.compile(re.escape(answer)))
    _act(page, "Jawab")
    expect(page.locator("#notice")).to_have_text("Jawaban terkirim kepada pelapor.")
    expect(page.locator("#status")).to_have_text("sudah dijawab")
    assert_accessible(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    _shot(page, "desk-complaint.png")

    assert _public_status(stack, created) == "responded"
    # The complainant's tracking page shows the answer.
    citizen = browser.new_context().new_page()
    citizen.goto(stack.url("INTAKE_PORT") + "/track")
    citizen.fill("#tracking_code", created["tracking_code"])
    citizen.fill("#token", created["access_token"])
    citizen.click("#show")
    expect(citizen.locator("#status")).to_contain_text("Sudah ditanggapi")
    expect(citizen.locator("body")).to_contain_text(answer)
    citizen.context.close()
    eventually(
        lambda: any(
            answer in m.get_body(preferencelist=("plain",)).get_content()
            for m in stack.mailbox(email)
        ),
        what="the answer in the complainant's mailbox",
    )
    officer.close()


def test_a_supervisor_added_on_the_command_line_sees_an_officers_late_complaint(
    stack: Stack, browser: Browser
) -> None:
    added = subprocess.run(
        [sys.executable, "-m", "aduan", "users", "add", "--username", "sri", "--role",
         "supervisor", "--unit", "penagihan", "--display-name", "Sri Supervisor"],
        input="supervisor-password-1\n", capture_output=True, text=True, env=stack.env,
        check=False, timeout=60,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "aduan", "users", "list"],
        capture_output=True, text=True, env=stack.env, check=True, timeout=60,
    )  # fmt: skip
    assert re.search(r"^sri\s+supervisor\s+penagihan\s+active", listed.stdout, re.M)

    created = _submit(stack, "tono@example.id")
    eventually(lambda: _public_status(stack, created) == "routed", what="routing")
    # An officer takes it on and goes quiet: the resolution deadline (60 s) runs out.
    taken = stack.desk.post(f"/v1/staff/complaints/{created['id']}/actions/acknowledge", json={})
    assert taken.status_code == 200, taken.text

    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, stack.url("DESK_PORT"), "sri", "supervisor-password-1")
    page.get_by_role("link", name="Perlu perhatian").click()
    expect(page.get_by_role("heading", name=re.compile("Perlu perhatian"))).to_be_visible()

    def late_row() -> bool:
        page.reload()
        return created["tracking_code"] in page.locator("#queue").inner_text()

    eventually(late_row, timeout=120, what="the complaint in the supervisor's overdue list")
    row = page.get_by_role("row").filter(has_text=created["tracking_code"])
    expect(row.locator(".late")).to_contain_text("terlambat")
    expect(row).to_contain_text("e2e-admin")  # the officer who took it on
    assert_accessible(page)
    page.get_by_label("Lewat tenggat").select_option("no")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator("#queue")).not_to_contain_text(created["tracking_code"])
    _shot(page, "desk-supervisor.png")
    context.close()


def test_every_other_desk_page_passes_axe(stack: Stack, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    base = stack.url("DESK_PORT")
    _sign_in(page, base, "admin", _admin_password(stack))
    for link, heading in (
        ("Operasional", "Operasional"),
        ("Unit", "Unit"),
        ("Perlu perhatian", "Perlu perhatian: terlambat atau dieskalasi"),
        ("Log akses", "Log akses"),
        ("Hak pelapor", "Hak pelapor: salinan dan penghapusan data"),
        ("Catat pengaduan telepon", "Pengaduan melalui telepon"),
    ):
        page.get_by_role("navigation").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert_accessible(page)
    page.get_by_label("Apa yang disampaikan penelepon").fill("Penelepon: lampu jalan mati.")
    page.get_by_label("Nama", exact=True).fill("Pak Joko")
    page.get_by_role("button", name="Catat pengaduan").click()
    expect(page.locator("#tracking-code")).to_have_text(re.compile(r"ADU-[0-9A-Z]{4}-[0-9A-Z]{4}"))
    assert_accessible(page)
    # The access log, by the new complaint's tracking code: the admin entered it.
    code = page.locator("#tracking-code").inner_text()
    page.get_by_role("navigation").get_by_role("link", name="Log akses", exact=True).click()
    page.get_by_label("Pengaduan (kode lacak atau id)").fill(code)
    page.get_by_role("button", name="Tampilkan").click()
    entered = page.get_by_role("row").filter(has_text="Mencatat pengaduan telepon")
    expect(entered).to_contain_text("admin")
    expect(entered).to_contain_text(code)
    assert_accessible(page)
    _shot(page, "desk-access-log.png")
    page.goto(base + "/complaints/00000000-0000-0000-0000-000000000000?lang=en")
    expect(page.get_by_role("heading", name="This cannot go on")).to_be_visible()
    assert_accessible(page)
    context.close()


def test_an_inspector_schedules_and_records_a_field_check_with_a_photo_on_a_phone(
    stack: Stack, browser: Browser
) -> None:
    added = subprocess.run(
        [sys.executable, "-m", "aduan", "users", "add", "--username", "joko", "--role",
         "officer", "--unit", "pelayanan-teknis", "--display-name", "Joko Inspektur"],
        input="inspector-password-1\n", capture_output=True, text=True, env=stack.env,
        check=False, timeout=60,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    email = "wati@example.id"
    answer = stack.intake.post(
        "/v1/complaints",
        json={
            "description": "Meteran air di rumah saya berputar terus walau semua keran tertutup.",
            "category": "meter",
            "class": "light",
            "complainant": {"name": "Wati", "email": email},
        },
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    confirm_address(stack, email, created["tracking_code"])
    eventually(lambda: _public_status(stack, created) == "routed", what="routing")

    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    _sign_in(page, stack.url("DESK_PORT"), "joko", "inspector-password-1")
    page.get_by_role("navigation").get_by_role("link", name="Pengaduan saya").click()
    expect(page.get_by_role("heading", name="Pengaduan saya")).to_be_visible()
    expect(page.locator("#queue")).to_contain_text(created["tracking_code"])  # by load
    assert_accessible(page)
    page.get_by_role("link", name=created["tracking_code"]).click()
    _act(page, "Tangani")
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    _act(
        page,
        "Jadwalkan pengecekan lapangan",
        {"Tanggal kunjungan": today.isoformat(), "Yang diperiksa": "Meter dan pipa setelah meter"},
    )
    expect(page.locator("#notice")).to_contain_text("Pengecekan lapangan dijadwalkan")
    assert_accessible(page)

    page.get_by_role("navigation").get_by_role("link", name="Kunjungan saya").click()
    expect(page.get_by_role("heading", name="Kunjungan lapangan saya")).to_be_visible()
    assert_accessible(page)
    visit = page.get_by_role("listitem").filter(has_text=created["tracking_code"])
    visit.get_by_role("link", name="Catat hasil").click()
    expect(page.get_by_role("heading", name=re.compile("Pengecekan lapangan"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Kondisi yang ditemukan").select_option(label="Meter macet")
    page.get_by_label("Angka meter").fill("004512")
    page.get_by_label("Lama di lokasi (menit)").fill("25")
    page.get_by_label("Catatan").fill("Roda meter macet; diganti minggu depan.")
    page.get_by_label("Foto").set_input_files(
        files=[{"name": "meter.png", "mimeType": "image/png", "buffer": png(40, 30)}]
    )
    _shot(page, "desk-visit-phone.png")
    page.get_by_role("button", name="Simpan hasil pengecekan").click()
    expect(page.locator("#notice")).to_have_text("Hasil pengecekan dicatat. Terima kasih.")
    expect(page.locator("#visits")).to_have_count(0)  # nothing left to visit today

    page.goto(f"{stack.url('DESK_PORT')}/complaints/{created['id']}")
    findings = page.locator("#timeline .findings")
    expect(findings).to_contain_text("Meter macet")
    expect(findings).to_contain_text("004512")
    photo = page.locator("#timeline img.photo")
    expect(photo).to_have_count(1)
    assert photo.evaluate("img => img.naturalWidth") == 40, "the photo is served to staff"
    assert_accessible(page)
    context.close()

    citizen = browser.new_context().new_page()
    citizen.goto(stack.url("INTAKE_PORT") + "/track")
    citizen.fill("#tracking_code", created["tracking_code"])
    citizen.fill("#token", created["access_token"])
    citizen.click("#show")
    timeline = citizen.locator("#timeline")
    expect(timeline).to_contain_text("Petugas sudah memeriksa di lokasi")
    expect(timeline).to_contain_text("Yang ditemukan: Meter macet")
    expect(timeline).not_to_contain_text("diganti minggu depan")  # the notes are for staff
    citizen.context.close()
    eventually(
        lambda: any(
            "memeriksa di lokasi" in m.get_body(preferencelist=("plain",)).get_content()
            for m in stack.mailbox(email)
        ),
        what="the visit's day in the complainant's mailbox",
    )
