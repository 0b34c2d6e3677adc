"""Work done for and about citizens away from their own screen, end to end in Chromium:
an agency surveyor verifies a proposal in the field with the phone's location and a geotagged
photo (the served photo carries no GPS), and the kecamatan desk and the public page show the
finding; an operator registers and checks in a walk-in, and the citizen, once their account is
theirs, reads on their account page what was done in their name (the planner reads it too)."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from conftest import record_nik
from helpers import api, console_check_in, DEMO_PASSWORD, assert_no_axe_violations, demo_assembly, log_in

VILLAGE = "35.10.13.2007"
DISTRICT = "35.10.13"



def geotagged_jpeg(tmp_path) -> str:
    path = tmp_path / "lokasi.jpg"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=gray:s=16x16", "-frames:v", "1", str(path)], check=True)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-GPSLatitude=8.2781", "-GPSLatitudeRef=S", "-GPSLongitude=114.3012",
                    "-GPSLongitudeRef=E", "-Make=HPSurveyor", str(path)], check=True)
    assert "GPS Latitude" in subprocess.run(["exiftool", str(path)], capture_output=True, text=True).stdout
    return str(path)


def test_a_surveyor_verifies_a_proposal_in_the_field(base_url, new_context, tmp_path):
    operator = api(base_url, "POST", "/api/v1/auth/login", {"username": "operator-desa", "password": DEMO_PASSWORD})["token"]
    created = api(base_url, "POST", "/api/v1/proposals", {
        "villageCode": VILLAGE, "year": 2027, "title": "Talud sungai Dusun Krajan longsor",
        "problem": "Talud sungai longsor, mengancam rumah di tepi sungai.", "activity": "Pembangunan talud penahan tanah",
        "fieldCode": "02", "subfieldCode": "02.03", "kind": "physical", "volume": 40, "unit": "m", "estimatedCost": 120000000,
        "fundingSource": "regencyBudget", "beneficiaries": {"total": 60, "women": 30, "poor": 12, "disabled": 1},
        "source": "onBehalf"}, token=operator)
    api(base_url, "POST", f"/api/v1/proposals/{created['id']}/decisions",
        {"level": "village", "outcome": "forwarded", "reason": "Di luar kewenangan desa"}, token=operator)

    surveyor = new_context(geolocation={"latitude": -8.27812, "longitude": 114.30121, "accuracy": 8},
                           permissions=["geolocation"]).new_page()
    log_in(surveyor, base_url, "dinas-pupr")
    surveyor.goto(f"{base_url}/usulan/{created['id']}")
    section = surveyor.locator("#verifikasi")
    expect(section).to_contain_text("Belum disurvei")

    # A site photo taken with GPS on: the served copy carries none.
    surveyor.set_input_files("#photo", geotagged_jpeg(tmp_path))
    surveyor.get_by_role("button", name="Unggah foto").click()
    expect(surveyor.locator("img.photo")).to_have_count(1)
    served = surveyor.request.get(f"{base_url}{surveyor.locator('img.photo').get_attribute('src')}")
    tags = subprocess.run(["exiftool", "-"], input=served.body(), capture_output=True).stdout.decode()
    assert "GPS" not in tags and "HPSurveyor" not in tags, tags

    surveyor.get_by_role("button", name="Gunakan lokasi saya").click()
    expect(surveyor.locator("#v-lat")).to_have_value("-8.278120")
    expect(surveyor.locator("#v-lng")).to_have_value("114.301210")
    surveyor.check("input[name=status][value=notFeasible]")
    # "Not feasible" without its reason is refused, naming the field; nothing is recorded.
    surveyor.get_by_role("button", name="Simpan verifikasi").click()
    expect(surveyor.locator(".alert.error, .errors").first).to_contain_text("Alasan")
    expect(section).to_contain_text("Belum disurvei")
    surveyor.check("input[name=status][value=notFeasible]")
    surveyor.fill("#v-reason", "Lokasi masuk daerah aliran sungai kewenangan BBWS; diusulkan ke provinsi.")
    surveyor.get_by_role("button", name="Gunakan lokasi saya").click()
    expect(surveyor.locator("#v-lat")).to_have_value("-8.278120")
    with surveyor.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/verifikasi")) as posted:
        surveyor.get_by_role("button", name="Simpan verifikasi").click()
    assert posted.value.status == 303
    expect(section.locator("[data-verification]")).to_have_text("Tidak layak")
    expect(section).to_contain_text("kewenangan BBWS")
    expect(section).to_contain_text("-8.27812, 114.30121")
    assert_no_axe_violations(surveyor)

    public = new_context().new_page()
    public.goto(f"{base_url}/usulan/{created['id']}")
    expect(public.locator("#verifikasi [data-verification]")).to_have_text("Tidak layak")
    expect(public.locator("#verification-form")).to_have_count(0)
    public.goto(f"{base_url}/kecamatan/{DISTRICT}/usulan?tahun=2027")
    expect(public.locator("[data-verification]", has_text="kewenangan BBWS")).to_have_count(1)


def test_a_citizen_reads_what_an_operator_did_in_their_name(base_url, new_context):
    nik = record_nik("3510134101900777")  # a woman of Rogojampi, born 1 January 1990
    operator = new_context().new_page()
    log_in(operator, base_url, "operator-desa")
    assembly = demo_assembly(operator, base_url)
    operator.goto(f"{base_url}/musrenbang/{assembly}/desa/{VILLAGE}")
    if operator.locator("#key").count() == 0:
        operator.get_by_role("button", name="Ke tahap: Registrasi peserta").click()
    console_check_in(operator, nik, female=True, name="Sulastri Walk-in")
    expect(operator.locator(".alert.ok")).to_contain_text("tercatat hadir")

    # The account becomes hers at the office: a one-time activation code.
    operator.goto(f"{base_url}/admin/warga")
    operator.fill("#nik", nik)
    operator.get_by_role("button", name="Cari", exact=True).click()
    operator.locator("summary", has_text="Kembalikan akun").click()
    operator.fill("#reclaim-name", "Sulastri")
    operator.fill("#reclaim-reason", "Warga datang sendiri dengan KTP")
    operator.get_by_role("button", name=re.compile("Kembalikan akun")).click()
    code = re.search(r"Kode aktivasi \(berikan sekali kepada warga\): (\S+)", operator.locator(".alert.ok").inner_text()).group(1)

    citizen = new_context().new_page()
    citizen.goto(f"{base_url}/aktivasi")
    citizen.fill("#nik", nik)
    citizen.fill("#activationCode", code)
    citizen.fill("#password", "sandi-warga-baru-1")
    citizen.locator('form[action="/aktivasi"] button[type=submit]').click()
    citizen.wait_for_url(f"{base_url}/akun")
    lines = citizen.locator("#assisted-mine li")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text(f"mencatat kehadiran Anda di musrenbang #{assembly}")
    expect(lines.nth(1)).to_contain_text("mendaftarkan akun Anda")
    assert_no_axe_violations(citizen)

    planner = new_context().new_page()
    log_in(planner, base_url, "bappeda")
    planner.goto(f"{base_url}/admin/pendampingan")
    planner.select_option("#assisted-village", VILLAGE)
    planner.get_by_role("button", name="Tampilkan").click()
    expect(planner.locator("#assisted-lines")).to_contain_text("mendaftarkan akun Sulastri")
    assert_no_axe_violations(planner)
