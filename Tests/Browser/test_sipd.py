"""The SIPD bridge in Chromium: the planner finds the SIPD desk from the documents page,
downloads the year's export, fills SIPD's decisions into it and uploads it; the page shows the
reconciliation (matched, unmatched, conflicting, each problem row with its reason); the same file
again changes nothing; the proposal's public page shows the budget line and amount SIPD gave it."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Page, expect

from helpers import api, DEMO_PASSWORD, assert_no_axe_violations, log_in

VILLAGE = "35.10.13.2007"
YEAR = 2027
BUDGET_LINE = "1.03.10.2.01.0042"



def proposal(base_url: str, token: str, title: str, **extra) -> int:
    return api(base_url, "POST", "/api/v1/proposals", {
        "villageCode": VILLAGE, "year": YEAR, "title": title, "problem": "Akses warga terputus saat musim hujan.",
        "activity": "Pembangunan jembatan beton", "fieldCode": "02", "subfieldCode": "02.03", "kind": "physical",
        "volume": 12, "unit": "m", "estimatedCost": 480000000, "fundingSource": "regencyBudget",
        "beneficiaries": {"total": 800, "women": 400, "poor": 90, "disabled": 6}, **extra}, token=token)["id"]


def decide(base_url: str, token: str, id: int, level: str, outcome: str) -> None:
    api(base_url, "POST", f"/api/v1/proposals/{id}/decisions",
        {"level": level, "outcome": outcome, "reason": "Prioritas kabupaten tahun ini"}, token=token)


def test_the_planner_uploads_sipd_decisions_and_sees_the_reconciliation(base_url, new_context):
    planner = api(base_url, "POST", "/api/v1/auth/login", {"username": "bappeda", "password": DEMO_PASSWORD})["token"]
    at_regency = proposal(base_url, planner, "Jembatan beton Dusun Krajan untuk SIPD")
    for level, outcome in [("village", "forwarded"), ("district", "forwarded"), ("agency", "accepted")]:
        decide(base_url, planner, at_regency, level, outcome)
    pokir = proposal(base_url, planner, "Jembatan gantung pokir Dusun Krajan", source="council")

    page: Page = new_context().new_page()
    log_in(page, base_url, "bappeda")
    page.goto(f"{base_url}/dokumen?tahun={YEAR}")
    page.get_by_role("link", name="Jembatan SIPD").click()
    expect(page).to_have_url(f"{base_url}/perencanaan/sipd?tahun={YEAR}")
    expect(page.locator("h1")).to_have_text("Jembatan SIPD")

    # The export the page links, read as SIPD's operator would, with the decisions filled in.
    href = page.locator("#sipd-export a.doc-format", has_text="CSV").get_attribute("href")
    assert href == f"/dokumen/kabupaten/sipd-usulan-{YEAR}.csv"
    exported = page.request.get(f"{base_url}{href}")
    assert exported.ok
    rows = list(csv.DictReader(io.StringIO(exported.text().lstrip("\ufeff"))))
    ours = {int(row["id_usulan"]): row for row in rows if int(row["id_usulan"]) in (at_regency, pokir)}
    assert set(ours) == {at_regency, pokir}
    assert ours[pokir]["jenis_usul_teks"] == "pokir" and ours[at_regency]["kode_wilayah"] == VILLAGE
    ours[at_regency].update(status="diterima", kode_rekening=BUDGET_LINE, pagu="450000000")
    ours[pokir].update(status="diterima", kode_rekening=BUDGET_LINE, pagu="10000000")
    unknown = {name: "" for name in rows[0]}
    unknown.update(id_usulan="987654321", status="ditolak", alasan="Tidak ada di SIPD kabupaten")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows([ours[at_regency], ours[pokir], unknown])
    decisions = out.getvalue().encode()

    page.set_input_files("#sipd-file", files=[{"name": "keputusan-sipd.csv", "mimeType": "text/csv", "buffer": decisions}])
    page.locator("#sipd-import-form button[type=submit]").click()
    summary = page.locator("#sipd-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("data-matched", "1")
    expect(summary).to_have_attribute("data-unmatched", "1")
    expect(summary).to_have_attribute("data-conflicting", "1")
    expect(summary).to_contain_text("3 baris dibaca: 1 cocok (1 diterapkan, 0 sudah tercatat), 1 tidak ditemukan, 1 bertentangan")
    expect(page.locator(".sipd-unmatched li")).to_have_count(1)
    expect(page.locator(".sipd-unmatched li")).to_contain_text("987654321")
    expect(page.locator(".sipd-conflicting li")).to_have_count(1)
    expect(page.locator(".sipd-conflicting li")).to_contain_text(f"id_usulan {pokir}")
    expect(page.locator(".sipd-conflicting li")).to_contain_text("Forum Perangkat Daerah")
    assert_no_axe_violations(page)

    # The same file again: nothing more is applied.
    page.set_input_files("#sipd-file", files=[{"name": "keputusan-sipd.csv", "mimeType": "text/csv", "buffer": decisions}])
    page.locator("#sipd-import-form button[type=submit]").click()
    expect(summary).to_contain_text("1 cocok (0 diterapkan, 1 sudah tercatat)")

    # A file SIPD's tool cut short of its columns is refused as a whole.
    page.set_input_files("#sipd-file", files=[{"name": "x.csv", "mimeType": "text/csv", "buffer": b"id_usulan,status\n1,diterima\n"}])
    page.locator("#sipd-import-form button[type=submit]").click()
    expect(page.locator("#sipd-import-report .alert.error")).to_contain_text("kode_rekening, pagu")

    # Citizens see what became of it.
    public = new_context().new_page()
    public.goto(f"{base_url}/usulan/{at_regency}")
    expect(public.locator("#riwayat .timeline")).to_contain_text(f"Masuk anggaran (SIPD): kode rekening {BUDGET_LINE}, pagu Rp 450.000.000")
    expect(public.locator("#riwayat .timeline")).to_contain_text("Diterima di Musrenbang Kabupaten (keputusan SIPD)")
