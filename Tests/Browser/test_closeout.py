"""Closing a village station in Chromium: after its session closes, the village operator uploads
the signed minutes' scan and the figures on the paper in the console (a wrong count is flagged,
then corrected); the kecamatan's operator validates; the control room, open all along, shows
the station's state without a reload."""

from __future__ import annotations

import base64

from playwright.sync_api import expect

from helpers import DEMO_PASSWORD, api, assert_no_axe_violations, log_in

BUBUK = "35.10.13.2007"
# A 8×8 PNG: the scan as a phone photographs it (any image or PDF will do).
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAABAAAAAQBPJcTWAAAAEklEQVR4nGP4y8CAFWEXHbQSAPZwP0G2GkFNAAAAAElFTkSuQmCC")



def token(base_url: str, username: str) -> str:
    return api(base_url, "POST", "/api/v1/auth/login", {"username": username, "password": DEMO_PASSWORD})["token"]


def station_at_agreement(base_url: str) -> str:
    """An assembly of its own (Bubuk alone, so the demo's stays as other tests expect it), with two
    walk-ins checked in, its ranking agreed, at the agreement stage: one click from closing."""
    planner, operator = token(base_url, "bappeda"), token(base_url, "operator-desa")
    assembly = api(base_url, "POST", "/api/v1/assemblies", {
        "title": "Musrenbangdes penutupan pos", "level": "village", "regencyCode": "35.10", "planYear": 2027,
        "startsAt": "2027-01-21T12:00:00Z", "hubVillageCode": BUBUK, "villageCodes": [BUBUK]}, planner)["id"]
    api(base_url, "POST", f"/api/v1/assemblies/{assembly}/stage", {"stage": "checkIn"}, planner)
    api(base_url, "POST", f"/api/v1/assemblies/{assembly}/sessions/{BUBUK}/stage", {"stage": "checkIn"}, operator)
    for name, gender, role in [("Siti Penutupan", "female", "womensGroup"), ("Budi Penutupan", "male", "youth")]:
        api(base_url, "POST", f"/api/v1/assemblies/{assembly}/attendance", {
            "villageCode": BUBUK, "role": role, "gender": gender, "name": name,
            "nik": "3510135808920031" if gender == "female" else "3510131808920032"}, operator)
    for stage in ["opening", "dialogue", "proposals", "ranking", "agreement"]:
        api(base_url, "POST", f"/api/v1/assemblies/{assembly}/stage", {"stage": stage}, planner)
    api(base_url, "POST", f"/api/v1/assemblies/{assembly}/sessions/{BUBUK}/stage", {"stage": "agreement"}, operator)
    api(base_url, "POST", f"/api/v1/assemblies/{assembly}/sessions/{BUBUK}/ranking-agreed", None, operator)
    return str(assembly)


def test_station_close_out_from_console_to_control_room(base_url, new_context, tmp_path):
    assembly = station_at_agreement(base_url)
    room = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(room, base_url, "bappeda")
    room.goto(f"{base_url}/musrenbang/{assembly}/kendali?view=tabel")
    cell = room.locator(f'tr[data-village="{BUBUK}"] [data-cell="closeout"]')
    expect(cell).to_have_text("—")

    operator = new_context().new_page()
    log_in(operator, base_url, "operator-desa")
    operator.goto(f"{base_url}/musrenbang/{assembly}/desa/{BUBUK}")
    expect(operator.locator("#penutupan")).to_have_count(0)
    operator.locator("#tugas-stage summary").click()  # at the agreement stage the stage section is folded
    operator.get_by_role("button", name="Ke tahap: Selesai").click()
    section = operator.locator("#penutupan")
    expect(section).to_be_visible()
    expect(section.locator("[data-closeout-state]")).to_have_text("Menunggu berita acara")
    expect(section.locator("[data-closeout-recorded]")).to_have_text("2 (L 1, P 1)")
    assert_no_axe_violations(operator)
    # The control room hears the session close: one station closed, nothing handed in.
    expect(room.locator('[data-closeout-count="pending"]')).to_have_text("1", timeout=5000)
    expect(cell).to_have_text("Menunggu berita acara", timeout=5000)

    # Figures before the scan are refused; then the scan, then a paper that says 3 more.
    operator.fill("#closeout-men", "1")
    operator.fill("#closeout-women", "1")
    operator.fill("#closeout-total", "2")
    operator.get_by_role("button", name="Serahkan berita acara").click()
    expect(operator.locator(".alert").first).to_contain_text("Unggah dulu pindaian")
    scan = tmp_path / "berita-acara.png"
    scan.write_bytes(PNG)
    operator.set_input_files("#scan", str(scan))
    operator.get_by_role("button", name="Unggah pindaian").click()
    expect(operator.locator("[data-closeout-scan]")).to_be_visible()
    operator.fill("#closeout-men", "2")
    operator.fill("#closeout-women", "3")
    operator.fill("#closeout-total", "5")
    operator.get_by_role("button", name="Serahkan berita acara").click()
    expect(operator.locator("[data-closeout-flagged]")).to_contain_text("Kertas 3 lebih banyak (L +1, P +2)")
    expect(room.locator('[data-closeout-count="flagged"]')).to_have_text("1", timeout=5000)
    expect(cell).to_contain_text("ditandai", timeout=5000)

    # A miscount on the form, corrected before the kecamatan looks: no longer flagged.
    operator.fill("#closeout-men", "1")
    operator.fill("#closeout-women", "1")
    operator.fill("#closeout-total", "2")
    operator.get_by_role("button", name="Serahkan berita acara").click()
    expect(operator.locator(".alert.ok")).to_contain_text("sesuai dengan catatan")
    expect(operator.locator("[data-closeout-flagged]")).to_have_count(0)
    # The scan opens for the operator, never for the public.
    assert operator.request.get(base_url + operator.locator("[data-closeout-scan]").get_attribute("href")).status == 200
    stranger = new_context().new_page()
    assert stranger.request.get(f"{base_url}/api/v1/assemblies/{assembly}/villages/{BUBUK}/close-out/scan").status == 401

    district = new_context().new_page()
    log_in(district, base_url, "kecamatan")
    district.goto(f"{base_url}/musrenbang/{assembly}/desa/{BUBUK}#penutupan")
    expect(district.locator("[data-closeout-paper]")).to_have_text("2 (L 1, P 1)")
    assert_no_axe_violations(district)
    district.get_by_role("button", name="Sahkan").click()
    expect(district.locator("[data-closeout-state]")).to_have_text("Disahkan kecamatan")
    expect(district.get_by_role("button", name="Sahkan")).to_have_count(0)

    # No reload: the control room shows the station validated.
    expect(cell).to_have_text("Disahkan kecamatan", timeout=5000)
    expect(room.locator('[data-closeout-count="validated"]')).to_have_text("1")
    expect(room.locator('[data-closeout-count="flagged"]')).to_have_text("0")
    assert_no_axe_violations(room)
