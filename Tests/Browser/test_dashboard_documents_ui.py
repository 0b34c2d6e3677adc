"""The dashboard and the documents in Chromium at 360 px: the charts are drawn and each has its
table of numbers, nothing overflows the phone's width, axe finds nothing; a planner finds a
village's DU-RKPDes on the documents page and downloads it, maps a sub-bidang to a program
(Post/Redirect/Get); the district operator's console of a kecamatan musrenbang has the delegates
and a berita acara to download."""

from __future__ import annotations

import io
import re
import sqlite3
import uuid
from pathlib import Path

import openpyxl
from playwright.sync_api import expect

from helpers import api, DEMO_PASSWORD, assert_no_axe_violations, log_in

YEAR = 2027
BUBUK = "35.10.13.2007"
ROGOJAMPI = "35.10.13"
WIDTH = 360



def token(base_url: str, username: str) -> str:
    return api(base_url, "POST", "/api/v1/auth/login", {"username": username, "password": DEMO_PASSWORD})["token"]


def region_name(server_data_dir, code: str) -> str:
    connection = sqlite3.connect(f"file:{server_data_dir / 'musrenbang.sqlite'}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute("SELECT name FROM regions WHERE code = ?", (code,)).fetchone()[0]
    finally:
        connection.close()


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the page is {width} px wide at {WIDTH} px: something overflows"


def reveal(locator) -> None:
    """Opens the folded part of the page (a closed <details>) the element is in, as a person would: by its summary."""
    folds = locator.locator("xpath=ancestor::details[not(@open)]")
    for i in range(folds.count() - 1, -1, -1):
        folds.nth(i).locator("xpath=./summary").click()


def test_dashboard_draws_every_chart_with_its_table_at_360_px(base_url, page):
    page.goto(f"{base_url}/dasbor?tahun={YEAR}")
    expect(page.locator("h1")).to_contain_text(str(YEAR))
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 6, f"only {charts.count()} charts are drawn"
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        name = chart.get_attribute("aria-labelledby")
        assert box and box["width"] > 0 and box["height"] > 0, f"chart {name} has no size: {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"chart {name} sticks out of the screen: {box}"
        assert name and chart.locator("xpath=./*[local-name()='title']").count() == 1, f"chart {i} has no title for screen readers"
    figures = page.locator("figure")
    assert figures.count() == charts.count(), "one figure per chart"
    for i in range(figures.count()):
        figure = figures.nth(i)
        caption = figure.locator("figcaption").inner_text()
        assert figure.locator("svg[role=img]").count() == 1, f"{caption}: no chart"
        assert figure.locator("details").count() == 1, f"{caption}: no <details> with the chart's numbers"
        assert figure.locator("details table tbody tr").count() >= 1, f"{caption}: its data table has no rows"
    assert_fits_the_phone(page)
    assert_no_axe_violations(page)


def test_dashboard_tables_open_fit_and_pass_axe(base_url, page):
    page.goto(f"{base_url}/dasbor?tahun={YEAR}")
    summaries = page.locator("details > summary")
    assert summaries.count() >= 6
    for i in range(summaries.count()):
        summaries.nth(i).click()
    assert page.locator("details:not([open])").count() == 0, "every table opened"
    for i in range(page.locator("figure details table").count()):
        expect(page.locator("figure details table").nth(i)).to_be_visible()
    assert_fits_the_phone(page)
    assert_no_axe_violations(page)


def test_planner_finds_and_downloads_a_villages_du_rkpdes(base_url, new_context, server_data_dir):
    page = new_context(accept_downloads=True).new_page()
    log_in(page, base_url, "bappeda")
    page.goto(f"{base_url}/dokumen")
    assert_no_axe_violations(page)
    page.select_option("#wilayah", BUBUK)
    page.fill("#tahun", str(YEAR))
    page.locator('form[action="/dokumen"] button[type=submit]').click()
    page.wait_for_url(re.compile(rf".*/dokumen\?.*wilayah={re.escape(BUBUK)}"))
    village = region_name(server_data_dir, BUBUK)
    expect(page.locator("section.card h2", has_text=f"Desa {village}")).to_be_visible()
    expect(page.locator("#wilayah")).to_have_value(BUBUK)
    assert_fits_the_phone(page)
    assert_no_axe_violations(page)
    link = page.locator(f'a[href="/dokumen/desa/{BUBUK}/du-rkpdes-{YEAR}.xlsx"]')
    expect(link).to_have_text("XLSX")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename == f"DU-RKPDes-{village}-{YEAR}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert book.sheetnames == ["Kewenangan Desa", "Diteruskan ke Kecamatan"]


def test_program_mapping_form_saves_with_post_redirect_get(base_url, new_context):
    page = new_context().new_page()
    log_in(page, base_url, "bappeda")
    page.goto(f"{base_url}/perencanaan/program")
    assert_no_axe_violations(page)
    field = page.locator('[id="program-02.03"]')
    expect(field).to_be_visible()
    value = f"Program Penyelenggaraan Jalan (uji {uuid.uuid4().hex[:6]})"
    field.fill(value)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url == f"{base_url}/perencanaan/program") as posted:
        page.locator('form[action="/perencanaan/program"] button[type=submit]').click()
    assert posted.value.status == 303, f"the form answered {posted.value.status}, not 303"
    assert posted.value.headers.get("location", "").endswith("/perencanaan/program")
    page.wait_for_url(f"{base_url}/perencanaan/program")
    expect(page.locator('[id="program-02.03"]')).to_have_value(value)
    expect(page.get_by_text("Pemetaan program tersimpan.")).to_be_visible()
    assert_fits_the_phone(page)
    assert_no_axe_violations(page)
    # A reload shows the saved value and sends nothing again.
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.reload()
    expect(page.locator('[id="program-02.03"]')).to_have_value(value)
    assert not posts, "a reload sent the form again"
    saved = {m["subfieldCode"]: m for m in api(base_url, "GET", "/api/v1/program-mappings")["items"]}
    assert saved["02.03"]["program"] == value


def test_district_console_has_delegates_and_a_berita_acara_pdf(base_url, new_context, server_data_dir):
    planner = token(base_url, "bappeda")
    assembly = api(base_url, "POST", "/api/v1/assemblies", {
        "title": "Musrenbang Kecamatan Rogojampi 2027 (uji konsol)", "level": "district", "regencyCode": "35.10",
        "planYear": YEAR, "startsAt": "2027-02-06T01:00:00Z", "hubVillageCode": BUBUK, "villageCodes": [ROGOJAMPI]},
        token=planner)["id"]
    page = new_context(accept_downloads=True).new_page()
    log_in(page, base_url, "kecamatan")
    page.goto(f"{base_url}/musrenbang/{assembly}/desa/{ROGOJAMPI}")
    delegates = page.locator("fieldset#delegasi")
    reveal(delegates)
    expect(delegates).to_be_visible()
    expect(delegates.locator("legend")).not_to_be_empty()
    for n in (1, 2, 3):
        expect(delegates.locator(f"#delegate{n}Name")).to_be_visible()
        expect(delegates.locator(f"#delegate{n}Gender")).to_be_visible()
    documents = page.locator("section#dokumen")
    reveal(documents)
    expect(documents).to_be_visible()
    link = documents.locator(f'a[href="/dokumen/musrenbang/{assembly}/{ROGOJAMPI}/berita-acara.pdf"]')
    expect(link).to_have_text("PDF")
    expect(documents.locator(f'a[href="/dokumen/musrenbang/{assembly}/{ROGOJAMPI}/daftar-hadir.xlsx"]')).to_be_visible()
    assert_fits_the_phone(page)
    assert_no_axe_violations(page)
    with page.expect_download(timeout=60_000) as info:
        link.click()
    download = info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename == f"BA-Musrenbang-Kecamatan-{region_name(server_data_dir, ROGOJAMPI)}-{YEAR}.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-", "the download is not a PDF"
