"""The simultaneous assembly in Chromium: the planner watches the control room while a village
operator checks people in from another browser; the counters change without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from helpers import assert_no_axe_violations, demo_assembly, log_in

VILLAGE = "35.10.13.2007"



def test_control_room_counts_check_ins_live(base_url, new_context):
    planner = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(planner, base_url, "bappeda")
    assembly = demo_assembly(planner, base_url)
    planner.goto(f"{base_url}/musrenbang/{assembly}/kendali")
    total = planner.locator('[data-counter="attendance"]').first
    before = int(total.inner_text())
    row = planner.locator(f'[data-panel="villages"] [data-village="{VILLAGE}"]')
    row_before = int(row.locator('[data-cell="attendance"]').inner_text())
    assert_no_axe_violations(planner)

    operator = new_context().new_page()
    log_in(operator, base_url, "operator-desa")
    operator.goto(f"{base_url}/musrenbang/{assembly}/desa/{VILLAGE}")
    assert_no_axe_violations(operator)
    if operator.locator("#key").count() == 0:
        # This village has not started yet: its operator opens registration.
        operator.get_by_role("button", name="Ke tahap: Registrasi peserta").click()
        expect(operator.locator("#session-stage")).to_have_text("Registrasi peserta")
    for index, (nik, gender) in enumerate([("3510135507880011", "female"), ("3510131507880012", "male")]):
        operator.fill("#key", nik)
        operator.select_option("#role", "womensGroup" if gender == "female" else "youth")
        operator.check(f'input[name=gender][value={gender}]')
        operator.locator("summary", has_text="Peserta baru").click()
        operator.fill("#name", f"Peserta Baru {index}")
        operator.get_by_role("button", name="Catat hadir").click()
        expect(operator.locator(".alert.ok")).to_contain_text("tercatat hadir")

    # No reload: the planner's page hears the events and re-reads the figures.
    expect(total).to_have_text(str(before + 2), timeout=5000)
    expect(row.locator('[data-cell="attendance"]')).to_have_text(str(row_before + 2), timeout=5000)

    # The same person again counts once.
    operator.fill("#key", "3510135507880011")
    operator.check("input[name=gender][value=female]")
    operator.get_by_role("button", name="Catat hadir").click()
    expect(operator.locator(".alert.ok")).to_contain_text("sudah tercatat")
    planner.wait_for_timeout(1000)
    expect(total).to_have_text(str(before + 2))

    # The filter for villages that have not started hides those that have.
    planner.get_by_role("button", name="Belum mulai").click()
    expect(row).to_be_hidden()


def test_public_assembly_page(base_url, new_context):
    page = new_context().new_page()
    assembly = demo_assembly(page, base_url)
    page.goto(f"{base_url}/musrenbang/{assembly}")
    expect(page.locator("#stage")).to_have_text("Dialog dengan Bupati")
    expect(page.locator('[data-counter="attendance"]').first).not_to_have_text("0")
    assert_no_axe_violations(page)


def test_citizen_account_shows_a_scannable_check_in_code(base_url, new_context):
    """The QR code on the account page encodes exactly the typed code (checked module by module
    against python-qrcode), and the operator accepts that code at the desk."""
    import qrcode
    import qrcode.util

    citizen = new_context().new_page()
    log_in(citizen, base_url, "3510135203900001")
    code = citizen.locator("[data-checkin-code]").first.inner_text()
    svg = citizen.locator(".qr svg").first
    mask = int(svg.get_attribute("data-mask"))
    path = svg.locator("path").get_attribute("d")
    dark = {(int(m.group(2)) - 4, int(m.group(1)) - 4) for m in re.finditer(r"M(\d+),(\d+)h1v1h-1z", path)}
    reference = qrcode.QRCode(version=1, error_correction=qrcode.constants.ERROR_CORRECT_L, mask_pattern=mask, border=0)
    reference.add_data(qrcode.util.QRData(code.encode(), mode=qrcode.util.MODE_8BIT_BYTE))
    reference.make(fit=False)
    expected = {(r, c) for r, row in enumerate(reference.get_matrix()) for c, on in enumerate(row) if on}
    assert dark == expected
    assert_no_axe_violations(citizen)

    operator = new_context().new_page()
    log_in(operator, base_url, "operator-desa")
    assembly = demo_assembly(operator, base_url)
    operator.goto(f"{base_url}/musrenbang/{assembly}/desa/{VILLAGE}")
    if operator.locator("#key").count() == 0:
        operator.get_by_role("button", name="Ke tahap: Registrasi peserta").click()
    operator.fill("#key", code)
    operator.select_option("#role", "womensGroup")
    operator.check("input[name=gender][value=female]")
    operator.get_by_role("button", name="Catat hadir").click()
    expect(operator.locator(".alert.ok")).to_contain_text("tercatat hadir")


def test_a_village_asks_for_the_floor_and_the_host_grants_it(base_url, new_context):
    operator = new_context().new_page()
    log_in(operator, base_url, "operator-desa")
    assembly = demo_assembly(operator, base_url)
    operator.goto(f"{base_url}/musrenbang/{assembly}/desa/{VILLAGE}")
    operator.fill("#topic", "Jembatan Dusun Krajan <b>rusak</b>")
    operator.get_by_role("button", name="Minta bicara").click()
    expect(operator.locator("#bicara")).to_contain_text("nomor 1 dalam antrean")
    assert_no_axe_violations(operator)

    host = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(host, base_url, "bupati")
    host.goto(f"{base_url}/musrenbang/{assembly}/kendali#lantai")
    waiting = host.locator("#lantai ol li", has_text="Bubuk")
    expect(waiting).to_contain_text("Jembatan Dusun Krajan <b>rusak</b>")
    waiting.get_by_role("button", name="Beri giliran").click()
    expect(host.locator("#di-panggung li", has_text="Bubuk")).to_contain_text("sisa")

    operator.reload()
    expect(operator.locator("#bicara")).to_contain_text("Desa Anda sedang di panggung")
    operator.get_by_role("button", name="Selesai berbicara").click()
    expect(operator.get_by_role("button", name="Minta bicara")).to_be_visible()
