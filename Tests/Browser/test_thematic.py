"""Thematic musrenbang in Chromium: the planner schedules a women's musrenbang from the form, leads
it to the proposal stage; the village operator opens the proposal stage in Desa Bubuk; a proposal
made there shows on the public list tagged with the theme, and the theme filter finds it."""

from __future__ import annotations

import json
import re
import urllib.request

from playwright.sync_api import expect

from helpers import DEMO_PASSWORD, assert_no_axe_violations, log_in

VILLAGE = "35.10.13.2007"
TITLE = "Pelatihan olahan pangan kelompok perempuan Krajan"


def api(base_url: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(f"{base_url}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"{}")


def test_a_thematic_assembly_tags_its_proposals(base_url, new_context):
    planner = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(planner, base_url, "bappeda")
    planner.goto(f"{base_url}/musrenbang/baru")
    assert_no_axe_violations(planner)
    planner.fill("#title", "Musrenbang Perempuan 2027")
    planner.select_option("#theme", "women")
    planner.fill("#startsAt", "2027-01-14T08:00")
    planner.locator('form[action="/musrenbang/baru"] button[type=submit]').click()
    planner.wait_for_url(re.compile(r".*/musrenbang/\d+/kendali"))
    assembly = re.search(r"/musrenbang/(\d+)/kendali", planner.url).group(1)
    expect(planner.locator("h1 .tag.theme")).to_have_text("Tematik: Perempuan")

    # The hub leads to the proposal stage, one stage at a time.
    for stage in ["Registrasi peserta", "Pembukaan", "Dialog dengan Bupati", "Penyampaian usulan"]:
        planner.get_by_role("button", name=f"Lanjut ke tahap: {stage}").click()
        expect(planner.locator("#stage")).to_have_text(stage)

    # The public page names the theme.
    public = new_context().new_page()
    public.goto(f"{base_url}/musrenbang/{assembly}")
    expect(public.locator("#theme")).to_have_text("Tematik: Perempuan")

    # Desa Bubuk's operator opens the proposal stage of this session from the console.
    operator = new_context().new_page()
    log_in(operator, base_url, "operator-desa")
    operator.goto(f"{base_url}/musrenbang/{assembly}/desa/{VILLAGE}")
    operator.get_by_role("button", name="Ke tahap: Penyampaian usulan").click()
    expect(operator.locator("#session-stage")).to_have_text("Penyampaian usulan")

    # A proposal made there, for a woman at the village office.
    token = api(base_url, "POST", "/api/v1/auth/login", {"username": "operator-desa", "password": DEMO_PASSWORD})["token"]
    made = api(base_url, "POST", "/api/v1/proposals", {
        "villageCode": VILLAGE, "year": 2027, "title": TITLE,
        "problem": "Ibu-ibu belum punya keterampilan mengolah hasil panen untuk dijual.",
        "activity": "Pelatihan pengolahan pangan", "fieldCode": "04", "subfieldCode": "04.04", "kind": "nonPhysical",
        "volume": 1, "unit": "kegiatan", "estimatedCost": 25000000, "fundingSource": "villageFund",
        "beneficiaries": {"total": 40, "women": 35, "poor": 12, "disabled": 2}, "source": "onBehalf"}, token=token)
    assert made["theme"] == "women"

    # The public list filtered by the theme finds it, tagged.
    public.goto(f"{base_url}/usulan")
    public.select_option("#f-theme", "women")
    public.locator('form[action="/usulan"] button[type=submit]').click()
    public.wait_for_url(re.compile(r".*theme=women.*"))
    card = public.locator(".card-item", has_text=TITLE)
    expect(card).to_have_count(1)
    expect(card.locator('.tag.theme[data-theme="women"]')).to_have_text("Tematik: Perempuan")
    expect(public.locator(".card-item .tag.theme")).to_have_count(public.locator(".card-item").count())
    assert_no_axe_violations(public)

    # Its page names the theme and counts its beneficiaries as L / P / RTM / difabel.
    card.locator("a.title").click()
    expect(public.locator("#theme")).to_have_text("Tematik: Perempuan")
    expect(public.locator("[data-beneficiaries]")).to_have_text("40 orang: L 5 · P 35 · RTM 12 · difabel 2")

    # Another theme's filter does not list it.
    public.goto(f"{base_url}/usulan?theme=youth")
    expect(public.locator(".card-item", has_text=TITLE)).to_have_count(0)
