"""A proposal's road, end to end in Chromium: a citizen writes one and is offered a similar
proposal, supports another; the village operator scores, ranks and forwards it; the district
operator rejects it with a reason; the public page shows that reason. Free text with HTML and
<script> is shown as text and never runs."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from helpers import api, DEMO_PASSWORD, assert_no_axe_violations, log_in

CITIZEN_NIK = "3510135203900001"  # the demo's resident of Desa Bubuk
VILLAGE = "35.10.13.2007"
XSS = "<script>window.__xss=1</script><b>tebal</b>"



def test_a_proposal_travels_and_its_rejection_reason_is_public(base_url, new_context):
    # An existing proposal in the village, entered by the operator, that the citizen's idea repeats.
    operator_token = api(base_url, "POST", "/api/v1/auth/login",
                         {"username": "operator-desa", "password": DEMO_PASSWORD})["token"]
    existing = api(base_url, "POST", "/api/v1/proposals", {
        "villageCode": VILLAGE, "year": 2027, "title": "Perbaikan jalan lingkungan Dusun Krajan Wetan",
        "problem": "Jalan berlubang, tergenang saat hujan.", "activity": "Pengaspalan jalan lingkungan",
        "fieldCode": "02", "subfieldCode": "02.03", "kind": "physical", "volume": 300, "unit": "m",
        "estimatedCost": 150000000, "fundingSource": "villageFund",
        "beneficiaries": {"total": 300, "women": 150, "poor": 30, "disabled": 2}, "source": "onBehalf"},
        token=operator_token)

    citizen = new_context().new_page()
    log_in(citizen, base_url, CITIZEN_NIK)
    citizen.goto(f"{base_url}/usulan/baru")
    citizen.fill("#title", "Memperbaiki jalan dusun Krajan")
    similar = citizen.locator("#similar")
    expect(similar).to_be_visible(timeout=5000)
    expect(citizen.locator("#similar-list")).to_contain_text("Perbaikan jalan lingkungan Dusun Krajan Wetan")
    assert_no_axe_violations(citizen)

    # The citizen's own, different proposal, with markup in every free-text field.
    citizen.fill("#title", f"Tanggul sungai Kalibaru {XSS}")
    citizen.fill("#problem", f"Banjir setiap musim hujan merendam sawah {XSS}")
    citizen.fill("#activity", f"Pembangunan tanggul {XSS}")
    citizen.select_option("#subfieldCode", "05.01")
    citizen.fill("#hamlet", f"Krajan {XSS}")
    citizen.fill("#rw", "02")
    citizen.fill("#rt", "03")
    citizen.fill("#volume", "250")
    citizen.fill("#unit", "m")
    citizen.fill("#estimatedCost", "625000000")
    citizen.select_option("#fundingSource", "regencyBudget")
    citizen.fill("#bt", "500")
    citizen.fill("#bw", "240")
    citizen.locator('form#proposal-form button[type=submit]').click()
    citizen.wait_for_url(re.compile(r".*/usulan/\d+$"))
    proposal_url = citizen.url.split("?")[0]
    expect(citizen.locator("h1")).to_have_text(f"Tanggul sungai Kalibaru {XSS}")
    expect(citizen.locator("#status")).to_have_text("Dibahas di Musrenbang Desa")
    assert citizen.evaluate("window.__xss") is None, "a script from a free-text field ran"
    assert citizen.locator("main b").count() == 0, "markup from a free-text field was rendered"
    assert_no_axe_violations(citizen)

    # …and supports the operator's proposal.
    citizen.goto(f"{base_url}/usulan/{existing['id']}")
    citizen.get_by_role("button", name="Dukung usulan ini").click()
    expect(citizen.locator("#support-count")).to_have_text("1")
    expect(citizen.get_by_text("Anda mendukung usulan ini.")).to_be_visible()

    # The village operator scores, ranks and forwards the citizen's proposal.
    operator = new_context().new_page()
    log_in(operator, base_url, "operator-desa")
    operator.goto(proposal_url)
    for key, value in {"urgency": "5", "impact": "5", "damage": "4", "cost": "4"}.items():
        operator.select_option(f"#s-{key}", value)
    operator.get_by_role("button", name="Simpan penilaian").click()
    expect(operator.locator("#h-penilaian")).to_contain_text("skor")
    operator.goto(f"{base_url}/desa/{VILLAGE}/peringkat?tahun=2027")
    operator.get_by_role("button", name="Tetapkan peringkat dari skor").click()
    expect(operator.locator(".card-item").first).to_contain_text("Tanggul sungai Kalibaru")
    operator.goto(proposal_url)
    operator.check('input[name=outcome][value=forwarded]')
    operator.fill("#d-reason", "Di luar kewenangan desa, masuk DU-RKPDes")
    operator.get_by_role("button", name="Simpan keputusan").click()
    expect(operator.locator("#status")).to_have_text("Dibahas di Musrenbang Kecamatan")

    # The district operator finds it on the district desk and rejects it with a reason.
    district = new_context().new_page()
    log_in(district, base_url, "kecamatan")
    district.goto(f"{base_url}/kecamatan/35.10.13/usulan?tahun=2027")
    district.get_by_role("link", name=re.compile("Tanggul sungai Kalibaru")).click()
    district.check('input[name=outcome][value=rejected]')
    district.fill("#d-reason", "Melebihi sisa pagu indikatif kecamatan 2027")
    district.get_by_role("button", name="Simpan keputusan").click()
    expect(district.locator("#status")).to_have_text("Ditolak di Musrenbang Kecamatan")

    # Anyone, and the citizen, can read why.
    public = new_context().new_page()
    public.goto(proposal_url)
    timeline = public.locator(".timeline")
    expect(timeline).to_contain_text("Ditolak di Musrenbang Kecamatan")
    expect(timeline).to_contain_text("alasan: Melebihi sisa pagu indikatif kecamatan 2027")
    expect(public.locator("main")).not_to_contain_text(CITIZEN_NIK)
    assert_no_axe_violations(public)

    citizen.goto(f"{base_url}/usulan/saya")
    expect(citizen.locator(".list")).to_contain_text("Ditolak di Musrenbang Kecamatan — alasan: Melebihi sisa pagu")


def test_proposal_pages_are_accessible_and_light(base_url, new_context):
    page = new_context().new_page()
    log_in(page, base_url, "operator-desa")
    transferred: list[int] = []
    page.on("response", lambda response: transferred.append(len(response.body()) if response.ok else 0))
    for path in ["/usulan", f"/desa/{VILLAGE}/peringkat", "/kecamatan/35.10.13/usulan", "/usulan/saya", "/usulan/baru"]:
        transferred.clear()
        page.goto(f"{base_url}{path}")
        page.wait_for_load_state("networkidle")
        assert sum(transferred) < 100 * 1024, f"{path} transferred {sum(transferred)} bytes"
        assert_no_axe_violations(page)


def test_a_proposer_adds_a_photo_and_a_fake_one_is_refused(base_url, new_context, tmp_path):
    import base64
    page = new_context().new_page()
    log_in(page, base_url, "operator-desa")
    token = api(base_url, "POST", "/api/v1/auth/login", {"username": "operator-desa", "password": DEMO_PASSWORD})["token"]
    created = api(base_url, "POST", "/api/v1/proposals", {
        "villageCode": VILLAGE, "year": 2027, "title": "Foto jembatan rusak Dusun Krajan",
        "problem": "Jembatan retak di tengah.", "activity": "Rehabilitasi jembatan", "fieldCode": "02", "subfieldCode": "02.03",
        "kind": "physical", "volume": 1, "unit": "unit", "estimatedCost": 90000000, "fundingSource": "villageFund",
        "beneficiaries": {"total": 100, "women": 50, "poor": 10, "disabled": 1}, "source": "onBehalf"}, token=token)
    png = tmp_path / "jembatan.png"
    png.write_bytes(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="))
    fake = tmp_path / "bukan-foto.png"
    fake.write_text("<script>alert(1)</script>")
    page.goto(f"{base_url}/usulan/{created['id']}")
    page.set_input_files("#photo", str(fake))
    page.get_by_role("button", name="Unggah foto").click()
    expect(page.locator("#photo-status")).to_contain_text("bukan foto")
    page.set_input_files("#photo", str(png))
    page.get_by_role("button", name="Unggah foto").click()
    expect(page.locator("img.photo")).to_have_count(1)
    src = page.locator("img.photo").get_attribute("src")
    response = page.request.get(f"{base_url}{src}")
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
