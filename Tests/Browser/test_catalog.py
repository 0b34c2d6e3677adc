"""The activity dictionary (kamus usulan), end to end in Chromium: a planner uploads a dictionary
with bad rows and sees every refused row named (nothing imported), then a good one, and locks an
item; a citizen picks an item while typing, sees the cost computed as volume × unit price, and
the proposal is stored at the server's price even when the page is made to send another cost.
The CLI import refuses a bad file with a non-zero exit naming the rows."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import expect

from helpers import assert_no_axe_violations, log_in

CITIZEN_NIK = "3510135203900001"  # the demo's resident of Desa Bubuk
HEADER = "id_kamus,giat_teks,satuan,anggaran,kode_skpd,kelompok,bidang,sub_bidang,output_teks,is_locked"
GOOD = f"""{HEADER}
KB-1,Rabat beton jalan lingkungan,m2,150000,PUPR,Jalan,02,02.04,Jalan lingkungan terbangun,0
KB-2,Rabat beton jalan usaha tani,m2,140000,PUPR,Jalan,02,02.03,,0
KB-3,Pelatihan kader posyandu,orang,350000,DINKES,Kesehatan,02,02.02,,0
"""
BAD = f"""{HEADER}
KB-9,Saluran drainase,m,150.000,PUPR,,02,02.03,,0
KB-10,Sumur bor,unit,25000000,DINAS_X,,02,02.03,,0
KB-11,Taman baca,paket,5000000,DISDIK,,02,02.01,,0
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_planner_imports_the_dictionary_and_a_citizen_proposes_from_it(base_url, new_context, tmp_path):
    planner = new_context().new_page()
    log_in(planner, base_url, "bappeda")
    planner.goto(f"{base_url}/kamus")
    report = planner.locator("#catalog-import-report")

    # A file with bad rows: every one named, nothing imported.
    planner.set_input_files("#catalog-file", str(write(tmp_path, "buruk.csv", BAD)))
    planner.locator("#catalog-import-form button[type=submit]").click()
    expect(report.locator(".alert")).to_contain_text("2 baris ditolak")
    expect(report.locator("li")).to_have_count(2)
    expect(report.locator("li").nth(0)).to_contain_text("Baris 2 (id_kamus KB-9)")
    expect(report.locator("li").nth(0)).to_contain_text("150.000")
    expect(report.locator("li").nth(1)).to_contain_text("DINAS_X")
    planner.goto(f"{base_url}/kamus?q=taman")
    expect(planner.locator("#catalog-items tbody tr")).to_have_count(1)
    expect(planner.locator("#catalog-items")).to_contain_text("Tidak ada kegiatan yang cocok")

    # The good file; then a second upload of it updates, never duplicates.
    planner.goto(f"{base_url}/kamus")
    for expected in ["3 kegiatan baru, 0 diperbarui", "0 kegiatan baru, 3 diperbarui"]:
        planner.set_input_files("#catalog-file", str(write(tmp_path, "kamus.csv", GOOD)))
        planner.locator("#catalog-import-form button[type=submit]").click()
        expect(report).to_contain_text(expected)
    planner.goto(f"{base_url}/kamus?q=usaha+tani")
    row = planner.locator('tr[data-item="KB-2"]')
    expect(row).to_contain_text("140.000")
    row.get_by_role("button", name="Kunci").click()
    planner.wait_for_url(re.compile(r"/kamus\?q=usaha"))
    expect(planner.locator('tr[data-item="KB-2"]')).to_contain_text("Dikunci")
    assert_no_axe_violations(planner)

    citizen = new_context().new_page()
    log_in(citizen, base_url, CITIZEN_NIK)
    citizen.goto(f"{base_url}/usulan/baru")
    citizen.fill("#catalog-search", "rabat beton")
    options = citizen.locator("#catalog-options button")
    expect(options).to_have_count(2)
    # The locked item is offered but cannot be chosen.
    expect(citizen.locator("#catalog-options button", has_text="usaha tani")).to_be_disabled()
    citizen.locator("#catalog-options button", has_text="lingkungan").click()
    chosen = citizen.locator("#catalog-chosen")
    expect(chosen).to_be_visible()
    expect(citizen.locator("#unit")).to_have_value("m2")
    expect(citizen.locator("#activity")).to_have_value("Rabat beton jalan lingkungan")
    citizen.fill("#volume", "120,5")
    expect(chosen.locator("[data-cost]")).to_contain_text("18.075.000")
    assert_no_axe_violations(citizen)
    citizen.fill("#title", "Rabat beton gang Mawar RT 03")
    citizen.fill("#problem", "Gang becek dan licin setiap musim hujan, anak sekolah sering jatuh.")
    # A page made to send a cost of its own: the server prices the proposal itself.
    citizen.evaluate("document.getElementById('estimatedCost').value = '1'")
    citizen.locator("#proposal-form button[type=submit]").click()
    citizen.wait_for_url(re.compile(r"/usulan/\d+$"))
    expect(citizen.locator("dl.facts")).to_contain_text("18.075.000")
    expect(citizen.locator("[data-cost-basis]")).to_contain_text("Sesuai kamus usulan KB-1")
    expect(citizen.locator("dl.facts")).to_contain_text("Kawasan Permukiman")


def test_the_cli_import_refuses_a_bad_file_naming_its_rows_and_imports_a_good_one(server_data_dir, tmp_path):
    binary = server_data_dir.parent / "musrenbang"
    data = Path(tempfile.mkdtemp(prefix="musrenbang-catalog-cli-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    try:
        bad = subprocess.run([str(binary), "catalog", "import", "--data-dir", str(data), str(write(tmp_path, "b.csv", BAD))],
                             env=env, capture_output=True, text=True, timeout=120)
        assert bad.returncode != 0
        assert "line 2 (id_kamus KB-9)" in bad.stderr
        assert "line 3 (id_kamus KB-10)" in bad.stderr
        assert "2 rows refused of 3; nothing imported" in bad.stderr
        good = subprocess.run([str(binary), "catalog", "import", "--data-dir", str(data), str(write(tmp_path, "g.csv", GOOD))],
                              env=env, capture_output=True, text=True, timeout=120)
        assert good.returncode == 0, good.stderr
        assert "imported 3 rows: 3 added, 0 updated" in good.stdout
    finally:
        shutil.rmtree(data, ignore_errors=True)
