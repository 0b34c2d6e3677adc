"""An XSS / SQL-injection / path-traversal corpus put into every free-text field a person can
fill and every search parameter, then each page that shows the value opened in Chromium with a
trap: `window.__xss` (and `alert`) record any call, the page's Content-Security-Policy is
bypassed so an injected script *would* run, and the DOM is searched for injected elements
(`[data-xss]`, `javascript:` links). Target: 0 executed, 0 injected; and every value reads back as
the text that was typed (escaped, not dropped).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import record_nik
from helpers import DEMO_PASSWORD

BUBUK = "35.10.13.2007"

# Each payload is tried in each place; `{n}` becomes its number, so a hit names its payload.
CORPUS = [
    '<script data-xss>window.__xss={n}</script>',
    '"><img src=x data-xss onerror="window.__xss={n}">',
    "'><svg data-xss onload=window.__xss={n}>",
    '</textarea></title><script data-xss>window.__xss={n}</script>',
    '<iframe data-xss srcdoc="<script>parent.__xss={n}</script>"></iframe>',
    '<a data-xss href="javascript:window.__xss={n}">klik {n}</a>',
    'javascript:window.__xss={n}',
    '{{{{#t}}}}{{{{/t}}}}<b data-xss>{n}</b>{{{{{{x}}}}}}',
    '${{window.__xss={n}}}`;window.__xss={n};`',
    '\u2028</script><script data-xss>window.__xss={n}</script>',
    "' OR '1'='1'; DROP TABLE proposals; -- {n}",
    '" OR "1"="1" -- {n}',
    '../../../../etc/passwd {n}',
    '%3Cscript%20data-xss%3Ewindow.__xss%3D{n}%3C%2Fscript%3E',
]
PAYLOADS = [p.format(n=i + 1) for i, p in enumerate(CORPUS)]

TRAP = """
window.__xssHits = [];
Object.defineProperty(window, '__xss', {configurable: false, get() { return undefined; },
  set(v) { window.__xssHits.push(String(v)); }});
window.alert = window.confirm = window.prompt = (v) => { window.__xssHits.push('alert:' + v); };
"""

tally = {"placed": 0, "pages": 0, "executed": 0, "injected": 0}


def api(base_url: str, method: str, path: str, body=None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else {})
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, {"raw": text}


def token(base_url: str, username: str, password: str = DEMO_PASSWORD) -> str:
    status, body = api(base_url, "POST", "/api/v1/auth/login", {"username": username, "password": password})
    assert status == 200, body
    return body["token"]


@pytest.fixture(scope="module")
def trap_context(browser):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="id-ID")
    context.add_init_script(TRAP)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def open_and_check(context, url: str, must_show: list[str] | None = None, settle_ms: int = 0) -> list[str]:
    """Opens `url`; returns what went wrong (script ran, markup injected, a value missing).
    `settle_ms`: for the pages whose live sections render from script after `load` (the assembly's
    page and its control room); the others run their modules before `load`, so waiting on each of
    the ~120 pages only cost time (36 s of this test)."""
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    problems = []
    try:
        page.goto(url, wait_until="load")
        if settle_ms:
            page.wait_for_timeout(settle_ms)
        hits = page.evaluate("window.__xssHits") + dialogs
        injected = page.evaluate("""() => [...document.querySelectorAll('[data-xss], a[href^="javascript:" i], iframe[srcdoc]')]
                                         .map(e => e.outerHTML.slice(0, 120))""")
        tally["pages"] += 1
        tally["executed"] += len(hits)
        tally["injected"] += len(injected)
        if hits:
            problems.append(f"{url}: script ran: {hits}")
        if injected:
            problems.append(f"{url}: markup injected: {injected}")
        text = page.evaluate("document.body.innerText + ' ' + [...document.querySelectorAll('input,textarea')].map(e => e.value).join(' ')")
        text = " ".join(text.split())
        for value in must_show or []:
            if " ".join(value.split()) not in text:
                problems.append(f"{url}: the value is not shown as typed: {value[:60]!r}")
    finally:
        page.close()
    return problems


def test_corpus_in_every_field_never_runs(base_url, trap_context, browser):
    planner = token(base_url, "bappeda")
    operator = token(base_url, "operator-desa")
    admin = token(base_url, "admin")
    host = token(base_url, "bupati")
    problems: list[str] = []
    login_context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="id-ID")
    login_context.add_init_script(TRAP)

    # Proposals: every text field, one proposal per payload, a comment and a decision reason on it.
    proposal_ids = []
    for n, payload in enumerate(PAYLOADS, start=1):
        draft = {
            "villageCode": BUBUK, "year": 2027, "title": f"Usulan uji {payload}"[:150], "problem": f"Masalah: {payload}"[:2000],
            "activity": f"Kegiatan {payload}"[:500], "fieldCode": "02", "subfieldCode": "02.03", "kind": "physical",
            "location": {"hamlet": payload[:60], "rw": payload[:60], "rt": payload[:60]}, "volume": 10, "unit": payload[:30],
            "estimatedCost": 1_000_000, "fundingSource": "villageFund", "beneficiaries": {"total": 10, "women": 0, "poor": 0, "disabled": 0},
            "source": "group", "groupKind": "rt", "groupName": payload[:100],
        }
        status, body = api(base_url, "POST", "/api/v1/proposals", draft, planner)
        assert status == 201, (payload, body)
        proposal_ids.append(body["id"])
        tally["placed"] += 8
        status, body = api(base_url, "POST", f"/api/v1/proposals/{body['id']}/comments", {"body": payload}, operator)
        assert status == 201, (payload, body)
        tally["placed"] += 1
        status, body = api(base_url, "POST", f"/api/v1/proposals/{proposal_ids[-1]}/decisions",
                           {"level": "village", "outcome": "rejected", "reason": f"Alasan {payload}"}, operator)
        if status in (200, 201):
            tally["placed"] += 1
        problems += open_and_check(trap_context, f"{base_url}/usulan/{proposal_ids[-1]}",
                                   must_show=[f"Usulan uji {payload}"[:150].strip(), payload[:30].strip()])
    problems += open_and_check(trap_context, f"{base_url}/usulan?q=" + urllib.parse.quote("Usulan uji"))

    # Searches: the query echoed into the page (and its "nothing found").
    for payload in PAYLOADS:
        for path in ("/cari", "/usulan", "/dokumen"):
            param = "wilayah" if path == "/dokumen" else "q"
            tally["placed"] += 1
            problems += open_and_check(trap_context, f"{base_url}{path}?{param}=" + urllib.parse.quote(payload[:100]))
        # Addresses that name nothing: the error page must not echo markup either.
        for path in ("/wilayah/", "/usulan/", "/dokumen/desa/"):
            tally["placed"] += 1
            problems += open_and_check(trap_context, base_url + path + urllib.parse.quote(payload, safe=""))

    # Citizens' names (self-registration), shown on their account page.
    for n, payload in enumerate(PAYLOADS, start=1):
        nik = record_nik(f"3510135203908{n:03d}")
        name = f"Warga {payload}"[:100]
        status, body = api(base_url, "POST", "/api/v1/citizens",
                           {"name": name, "nik": nik, "villageCode": BUBUK, "gender": "female", "password": "kata-sandi-1"})
        assert status == 201, (payload, body)
        tally["placed"] += 1
        citizen_token = token(base_url, nik, "kata-sandi-1")
        login_context.clear_cookies()
        page = login_context.new_page()
        page.goto(f"{base_url}/masuk")
        page.fill("#username", nik)
        page.fill("#password", "kata-sandi-1")
        page.locator('form[action="/masuk"] button[type=submit]').click()
        page.wait_for_url(f"{base_url}/akun")
        page.close()
        problems += open_and_check(login_context, f"{base_url}/akun", must_show=[" ".join(name.split())])
        assert citizen_token

    # Staff names, on the admin's list of accounts.
    for n, payload in enumerate(PAYLOADS, start=1):
        status, body = api(base_url, "POST", "/api/v1/users", {"username": f"uji-injeksi-{n}", "name": f"Petugas {payload}"[:100],
                                                             "password": "rahasia-123", "role": "village_operator", "regionCode": BUBUK}, admin)
        assert status == 201, (payload, body)
        tally["placed"] += 1
    login_context.clear_cookies()
    page = login_context.new_page()
    page.goto(f"{base_url}/masuk")
    page.fill("#username", "admin")
    page.fill("#password", DEMO_PASSWORD)
    page.locator('form[action="/masuk"] button[type=submit]').click()
    page.wait_for_url(f"{base_url}/akun")
    page.close()
    problems += open_and_check(login_context, f"{base_url}/admin/pengguna")

    # Questions at the demo assembly: the public page (approved ones) and the control room (live, from script).
    status, body = api(base_url, "GET", "/api/v1/assemblies")
    assembly = next(a for a in body["items"] if a.get("stage") != "closed" and not a.get("rehearsal"))["id"]
    for payload in PAYLOADS:
        status, body = api(base_url, "POST", f"/api/v1/assemblies/{assembly}/questions",
                           {"body": f"Pertanyaan {payload}"[:500], "villageCode": BUBUK}, planner)
        if status in (200, 201):
            tally["placed"] += 1
            api(base_url, "POST", f"/api/v1/assemblies/{assembly}/questions/{body['id']}/status", {"status": "approved"}, host)
    problems += open_and_check(trap_context, f"{base_url}/musrenbang/{assembly}", settle_ms=300)
    login_context.clear_cookies()
    page = login_context.new_page()
    page.goto(f"{base_url}/masuk")
    page.fill("#username", "bupati")
    page.fill("#password", DEMO_PASSWORD)
    page.locator('form[action="/masuk"] button[type=submit]').click()
    page.wait_for_url(f"{base_url}/akun")
    page.close()
    problems += open_and_check(login_context, f"{base_url}/musrenbang/{assembly}/kendali", settle_ms=300)
    login_context.close()

    print(f"\ninjection corpus: {len(PAYLOADS)} payloads placed {tally['placed']} times, {tally['pages']} pages opened: "
          f"{tally['executed']} executed, {tally['injected']} injected")
    assert not problems, "\n".join(problems[:40])
    assert tally["executed"] == 0 and tally["injected"] == 0
