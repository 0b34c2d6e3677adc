"""What several browser tests do: log in with a demo account, and ask axe for violations."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

DEMO_PASSWORD = "musrenbang-demo"


def api(base_url: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    """A JSON call to the server under test, failing the test with the answer when it is an error."""
    request = urllib.request.Request(f"{base_url}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}: {error.code} {error.read()[:300]!r}") from None


def log_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/masuk")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator('form[action="/masuk"] button[type=submit]').click()
    page.wait_for_url(f"{base_url}/akun")


def assert_no_axe_violations(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    assert not violations, json.dumps(
        [{"id": v["id"], "impact": v["impact"], "targets": [n["target"] for n in v["nodes"]][:5]} for v in violations], indent=1)


def demo_assembly(page: Page, base_url: str) -> str:
    """The demo's simultaneous assembly (all 217 villages): by its title, since other tests
    schedule assemblies of their own that list before it."""
    page.goto(f"{base_url}/musrenbang")
    link = page.locator(".cards a.title", has_text="Musrenbangdes Serentak").first
    return re.search(r"/musrenbang/(\d+)", link.get_attribute("href")).group(1)


def console_check_in(page: Page, key: str, female: bool, name: str | None = None) -> None:
    """Checks someone in at a village console's desk: by NIK, code or account number, and with a
    name a walk-in registered on the spot."""
    page.fill("#key", key)
    page.select_option("#role", "womensGroup" if female else "youth")
    page.check(f"input[name=gender][value={'female' if female else 'male'}]")
    if name is not None:
        if not page.locator("#name").is_visible():
            page.locator("summary", has_text="Peserta baru").click()
        page.fill("#name", name)
    page.get_by_role("button", name="Catat hadir").click()
