"""A citizen's account, end to end in a mobile-sized Chromium: register, log out, log in,
form errors, output escaping, accessibility (axe) and page weight."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

PASSWORD = "rahasia-warga-123"
VILLAGE = "35.10.13.2007"  # Desa Bubuk, Kecamatan Rogojampi

FEMALE = {
    "name": "Siti Aminah",
    "nik": "3510135203900002",  # born 12-03-1990, woman (+40), serial 0002
    "masked": "351013********02",
    "gender": "female",
}
MALE_XSS = {
    "name": "Budi <script>window.__xss=1</script>",
    "nik": "3510131203900003",  # born 12-03-1990, man, serial 0003
    "gender": "male",
}

MAX_PAGE_BYTES = 100 * 1024

# NIKs registered during this session (the server's database lives for the session).
_registered: set[str] = set()


def fill_registration(page: Page, base_url: str, *, name: str, nik: str, gender: str,
                      password: str = PASSWORD, phone: str = "081234567890") -> None:
    page.goto(f"{base_url}/daftar")
    page.fill("#name", name)
    page.fill("#nik", nik)
    page.check(f"input[name=gender][value={gender}]")
    page.select_option("#villageCode", VILLAGE)
    page.fill("#phone", phone)
    page.fill("#password", password)
    page.fill("#passwordConfirm", password)


def submit_registration(page: Page):
    """Submits /daftar and returns the response to the POST itself (before any redirect)."""
    with page.expect_response(lambda r: urlsplit(r.url).path == "/daftar" and r.request.method == "POST") as info:
        page.locator('form[action="/daftar"] button[type=submit]').click()
    page.wait_for_load_state("load")
    return info.value


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/masuk")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator('form[action="/masuk"] button[type=submit]').click()
    page.wait_for_url(f"{base_url}/akun")


@pytest.fixture
def female_citizen(base_url, new_context):
    """Makes sure the female test citizen exists (registering her through the UI if an
    earlier test has not), so each test can also run on its own."""
    if FEMALE["nik"] not in _registered:
        page = new_context().new_page()
        fill_registration(page, base_url, name=FEMALE["name"], nik=FEMALE["nik"], gender=FEMALE["gender"])
        submit_registration(page)
        expect(page).to_have_url(f"{base_url}/akun")
        _registered.add(FEMALE["nik"])
    return FEMALE


# --- Registration, login, logout --------------------------------------------------------------

def test_register_shows_account_with_masked_nik(page: Page, base_url):
    if FEMALE["nik"] in _registered:
        pytest.skip("female citizen already registered in this session")
    fill_registration(page, base_url, name=FEMALE["name"], nik=FEMALE["nik"], gender=FEMALE["gender"])
    response = submit_registration(page)
    assert response.status in (302, 303), f"POST /daftar answered {response.status}"
    _registered.add(FEMALE["nik"])

    expect(page).to_have_url(f"{base_url}/akun")
    expect(page.locator("#account-name")).to_have_text(FEMALE["name"])
    expect(page.locator("#account-nik")).to_have_text(FEMALE["masked"])
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()

    html = page.content()
    assert FEMALE["nik"] not in html, "the raw NIK appears in the account page HTML"
    cookies = json.dumps(page.context.cookies())
    assert FEMALE["nik"] not in cookies, "the raw NIK appears in a cookie"


def test_logout_then_login_with_nik(page: Page, base_url, female_citizen):
    log_in(page, base_url, female_citizen["nik"])
    expect(page.locator("#account-name")).to_have_text(female_citizen["name"])

    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(f"{base_url}/")
    expect(page.get_by_role("button", name="Keluar")).to_have_count(0)
    expect(page.get_by_role("link", name="Masuk", exact=True)).to_be_visible()

    # Logged out for real: the account page now sends us to the login form.
    page.goto(f"{base_url}/akun")
    expect(page).to_have_url(f"{base_url}/masuk")

    log_in(page, base_url, female_citizen["nik"])
    expect(page).to_have_url(f"{base_url}/akun")
    expect(page.locator("#account-name")).to_have_text(female_citizen["name"])
    expect(page.locator("#account-nik")).to_have_text(female_citizen["masked"])
    assert female_citizen["nik"] not in page.content()


def test_register_with_gender_not_matching_nik_is_refused(page: Page, base_url):
    # A woman's NIK (day of birth + 40) with the "male" radio chosen.
    fill_registration(page, base_url, name="Salah Pilih", nik="3510135203900009", gender="male")
    response = submit_registration(page)

    # Post/Redirect/Get: the refusal comes back once on the form's page, not as the POST's answer.
    assert response.status == 303, f"expected 303, POST /daftar answered {response.status}"
    expect(page).to_have_url(f"{base_url}/daftar")
    alert = page.locator(".alert.error")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("jenis kelamin", ignore_case=True)
    # The form comes back with what was typed (not the NIK) so the citizen can correct it.
    expect(page.locator("#name")).to_have_value("Salah Pilih")
    expect(page.locator("#villageCode")).to_have_value(VILLAGE)

    # Nothing was created: logging in with that NIK fails.
    page.goto(f"{base_url}/masuk")
    page.fill("#username", "3510135203900009")
    page.fill("#password", PASSWORD)
    page.locator('form[action="/masuk"] button[type=submit]').click()
    expect(page.locator(".alert.error")).to_be_visible()
    expect(page).not_to_have_url(f"{base_url}/akun")


def test_script_in_name_is_rendered_as_text(base_url, new_context):
    # CSP is bypassed so that this tests the template escaping itself, not the CSP safety net.
    page = new_context(bypass_csp=True).new_page()
    fill_registration(page, base_url, name=MALE_XSS["name"], nik=MALE_XSS["nik"], gender=MALE_XSS["gender"])
    response = submit_registration(page)
    assert response.status in (302, 303), f"POST /daftar answered {response.status}"
    _registered.add(MALE_XSS["nik"])

    expect(page).to_have_url(f"{base_url}/akun")
    name = page.locator("#account-name")
    expect(name).to_be_visible()
    expect(name).to_have_text(MALE_XSS["name"])
    assert page.evaluate("typeof window.__xss") == "undefined", "the injected script ran"
    assert name.locator("script").count() == 0, "a <script> element was created from the name"
    assert "&lt;script&gt;" in page.content()


# --- Accessibility and page weight ------------------------------------------------------------

PAGES = ["/", "/daftar", "/masuk", "/akun", "/wilayah/35.10.13"]


def open_page(page: Page, base_url: str, path: str, citizen) -> None:
    if path == "/akun":
        log_in(page, base_url, citizen["nik"])
    else:
        page.goto(f"{base_url}{path}")
    expect(page.locator("main h1")).to_be_visible()


def describe_violations(path: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} violation(s) on {path}:"]
    for v in violations:
        lines.append(f"- {v['id']} [{v.get('impact')}] {v.get('help')} ({v.get('helpUrl')})")
        for node in v.get("nodes", []):
            lines.append(f"    target: {node.get('target')}")
            lines.append(f"      html: {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n            ")
            if summary:
                lines.append(f"      why:  {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("path", PAGES)
def test_axe_reports_no_violations(page: Page, base_url, female_citizen, path):
    open_page(page, base_url, path, female_citizen)
    results = Axe().run(page)
    violations = results.response["violations"]
    if violations:
        print(describe_violations(path, violations))
    assert results.violations_count == 0, describe_violations(path, violations)


@pytest.mark.parametrize("path", PAGES)
def test_page_is_light_and_self_hosted(page: Page, base_url, female_citizen, path):
    if path == "/akun":
        log_in(page, base_url, female_citizen["nik"])  # log in first; measure the page load alone

    server = urlsplit(base_url).netloc
    responses = []
    foreign = []

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != server:
            foreign.append(request.url)

    def on_response(response):
        responses.append(response)

    page.on("request", on_request)
    page.on("response", on_response)
    page.goto(f"{base_url}{path}", wait_until="load")
    page.wait_for_load_state("networkidle")
    page.remove_listener("request", on_request)
    page.remove_listener("response", on_response)

    expect(page.locator("main h1")).to_be_visible()
    assert not foreign, f"{path} requested other hosts: {foreign}"

    sizes = {}
    for response in responses:
        if 300 <= response.status < 400:
            size = int(response.headers.get("content-length", "0") or 0)
        else:
            try:
                size = len(response.body())
            except Exception:
                size = int(response.headers.get("content-length", "0") or 0)
        sizes[response.url] = sizes.get(response.url, 0) + size
    total = sum(sizes.values())
    detail = ", ".join(f"{urlsplit(u).path}={n}" for u, n in sizes.items())
    print(f"{path}: {total} bytes ({detail})")
    assert total < MAX_PAGE_BYTES, f"{path} transferred {total} bytes (limit {MAX_PAGE_BYTES}): {detail}"


def test_axe_reports_no_violations_on_form_errors_and_notice(page: Page, base_url):
    """The error alert on /daftar and the welcome notice on /akun after registering are states the
    plain page loads above do not show."""
    fill_registration(page, base_url, name="Salah Pilih", nik="3510135203900019", gender="male")
    assert submit_registration(page).status == 303
    expect(page.locator(".alert.error")).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, describe_violations("/daftar (with errors)", results.response["violations"])

    fill_registration(page, base_url, name="Sri Wahyuni", nik="3510135203900027", gender="female")
    response = submit_registration(page)
    assert response.status in (302, 303), f"POST /daftar answered {response.status}"
    expect(page).to_have_url(f"{base_url}/akun")
    expect(page.locator(".alert.ok")).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, describe_violations("/akun (welcome notice)", results.response["violations"])
