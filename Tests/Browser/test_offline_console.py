"""The village office whose link drops: the console keeps checking people in while offline, keeps
what was entered across a reload and a closed browser, and sends it once when the link returns —
nothing lost, nothing counted twice, no NIK left in the browser."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import record_nik
from helpers import console_check_in, DEMO_PASSWORD, assert_no_axe_violations, demo_assembly, log_in

# Aliyan, Rogojampi: a village no other browser test checks people into.
VILLAGE = "35.10.13.2001"
OPERATOR = "operator-aliyan-luring"


def api(base_url: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(f"{base_url}{path}", method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"{}")


def village_attendance(base_url: str, assembly: str) -> int:
    summary = api(base_url, "GET", f"/api/v1/assemblies/{assembly}/summary")
    return next(row["attendance"] for row in summary["perVillage"] if row["villageCode"] == VILLAGE)


def nik(index: int, female: bool) -> str:
    # Rogojampi (35.10.13), born on the 1st–28th of January 1990; women's day of birth + 40.
    day = 1 + index % 28 + (40 if female else 0)
    return record_nik(f"351013{day:02d}0190{7000 + index:04d}")


def propose(page: Page, index: int) -> None:
    page.fill("#title", f"Usulan luring Aliyan {index}: saluran air RT {index + 1}")
    page.fill("#problem", "Air hujan menggenangi jalan dan rumah warga setiap musim hujan.")
    page.fill("#activity", "Pembangunan saluran air beton")
    page.select_option("#subfieldCode", "05.01")
    page.fill("#volume", str(100 + index))
    page.fill("#unit", "m")
    page.fill("#estimatedCost", str(50_000_000 + index * 1_000_000))
    page.select_option("#fundingSource", "villageFund")
    page.fill("#bt", "120")
    page.fill("#bw", "60")
    page.locator("form#proposal-form button[type=submit]").click()


def outbox_items(page: Page) -> str:
    """Everything the outbox keeps in IndexedDB, as text."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const opening = indexedDB.open("musrenbang-outbox", 1);
        opening.onupgradeneeded = () => opening.result.createObjectStore("items", { keyPath: "key" });
        opening.onsuccess = () => {
            const read = opening.result.transaction("items").objectStore("items").getAll();
            read.onsuccess = () => { opening.result.close(); resolve(JSON.stringify(read.result)); };
            read.onerror = () => reject(read.error);
        };
        opening.onerror = () => reject(opening.error);
    })""")


@pytest.fixture(scope="module")
def aliyan_operator(base_url) -> str:
    """Aliyan's operator, made by the planner through the staff API."""
    planner = api(base_url, "POST", "/api/v1/auth/login", {"username": "bappeda", "password": DEMO_PASSWORD})["token"]
    api(base_url, "POST", "/api/v1/users", {"username": OPERATOR, "name": "Operator Aliyan", "password": DEMO_PASSWORD,
                                            "role": "village_operator", "regionCode": VILLAGE}, token=planner)
    return OPERATOR


def open_console(new_context, base_url: str):
    """Aliyan's operator on the console, once the service worker keeps it (a first visit installs
    it; the reload is then served through it). Returns the context, the page, the assembly and
    the console's address."""
    context = new_context()
    page = context.new_page()
    log_in(page, base_url, OPERATOR)
    assembly = demo_assembly(page, base_url)
    console = f"{base_url}/musrenbang/{assembly}/desa/{VILLAGE}"
    page.goto(console)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    return context, page, assembly, console


def test_console_works_offline_and_sends_everything_once(base_url, new_context, aliyan_operator):
    context, page, assembly, console = open_console(new_context, base_url)
    if page.locator("#key").count() == 0:
        page.get_by_role("button", name="Ke tahap: Registrasi peserta").click()
        expect(page.locator("#key")).to_be_visible()
    before = village_attendance(base_url, assembly)
    # The proposal desk, opened once from the console while online, is kept too.
    page.locator("details[data-task=usulan]").evaluate("d => { d.open = true; }")
    page.get_by_role("link", name="Catat usulan warga").click()
    expect(page.locator("form#proposal-form")).to_be_visible()
    page.go_back()
    manifest = page.evaluate("() => fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())")
    assert manifest["start_url"] and any(icon["sizes"] == "512x512" for icon in manifest["icons"])

    context.set_offline(True)
    count = page.locator("[data-outbox-count]")
    people = [(nik(index, index % 2 == 0), index % 2 == 0, f"Warga Luring {index}") for index in range(50)]
    for key, female, name in people[:30]:
        console_check_in(page, key, female, name)
    expect(page.locator("[data-outbox]")).to_contain_text("Luring")
    expect(count).to_have_attribute("data-outbox-count", "30")
    # The same person twice while offline: queued twice, counted once.
    console_check_in(page, people[0][0], people[0][1], people[0][2])
    expect(count).to_have_attribute("data-outbox-count", "31")
    # A mistyped entry is corrected before it goes: taken back into the form, then sent right.
    console_check_in(page, "3510130101900000", False, "Salah ketik")
    expect(count).to_have_attribute("data-outbox-count", "32")
    page.locator("[data-outbox-items] li", has_text="Salah ketik").get_by_role("button", name="Hapus").click()
    expect(count).to_have_attribute("data-outbox-count", "31")

    # A reload while offline: the page comes from the service worker, the outbox from IndexedDB.
    page.reload()
    expect(page.locator("h1")).to_contain_text("Aliyan")
    expect(count).to_have_attribute("data-outbox-count", "31")
    expect(page.locator("[data-outbox-age]")).to_contain_text("lalu")
    for key, female, name in people[30:]:
        console_check_in(page, key, female, name)
    # One the server will refuse: a NIK of another kecamatan (Genteng) at Aliyan's desk.
    stranger = record_nik("3510170101900001")
    console_check_in(page, stranger, False, "Warga Genteng")
    expect(count).to_have_attribute("data-outbox-count", "52")
    assert_no_axe_violations(page)

    # Ten proposals for the village, entered on the kept proposal form.
    page.locator("details[data-task=usulan]").evaluate("d => { d.open = true; }")
    page.get_by_role("link", name="Catat usulan warga").click()
    expect(page.locator("form#proposal-form")).to_be_visible()
    for index in range(10):
        propose(page, index)
    expect(count).to_have_attribute("data-outbox-count", "62")
    expect(page.locator("[data-outbox-items] li", has_text="Usulan luring Aliyan 9")).to_be_visible()
    assert_no_axe_violations(page)
    assert village_attendance(base_url, assembly) == before  # nothing left the office

    # The browser is closed with the outbox full, and opened again, online.
    state = context.storage_state(indexed_db=True)
    context.close()
    reopened = new_context(storage_state=state)
    page = reopened.new_page()
    page.goto(console)
    count = page.locator("[data-outbox-count]")
    expect(count).to_have_attribute("data-outbox-count", "0", timeout=60_000)
    refused = page.locator("[data-outbox-items] li[data-state=refused]")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("Ditolak")
    expect(refused).to_contain_text("351017********01")

    # Every person once: 50 new people, the repeat and the refused one not counted; each proposal once.
    assert village_attendance(base_url, assembly) == before + 50
    # The outbox may still be sending the last proposals when the check-ins are all in.
    expected = sorted(f"Usulan luring Aliyan {index}: saluran air RT {index + 1}" for index in range(10))
    deadline = time.monotonic() + 30
    while True:
        listed = api(base_url, "GET", f"/api/v1/proposals?village={VILLAGE}&q=Usulan%20luring%20Aliyan&pageSize=100")
        titles = sorted(item["title"] for item in listed["items"])
        if len(titles) >= len(expected) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert titles == expected
    # What was sent left the browser with its NIK; only the refused entry waits for the operator.
    kept = outbox_items(page)
    assert all(key not in kept for key, _, _ in people)
    refused.get_by_role("button", name="Hapus").click()
    expect(refused).to_have_count(0)
    assert "3510" not in outbox_items(page)


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def report(name: str, values: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "offline.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known[name] = values
    path.write_text(json.dumps(known, indent=2))


def test_an_outbox_of_500_drains_once(base_url, new_context, aliyan_operator):
    """500 check-ins waiting (put in IndexedDB as the console does) go out once the link returns:
    how long that takes is reported; every person counts once."""
    context, page, assembly, _ = open_console(new_context, base_url)
    before = village_attendance(base_url, assembly)
    context.set_offline(True)
    niks = [nik(1000 + index, index % 2 == 0) for index in range(500)]
    page.evaluate("""([assembly, village, niks]) => new Promise((resolve, reject) => {
        const opening = indexedDB.open("musrenbang-outbox", 1);
        opening.onupgradeneeded = () => opening.result.createObjectStore("items", { keyPath: "key" });
        opening.onsuccess = () => {
            const transaction = opening.result.transaction("items", "readwrite");
            niks.forEach((nik, index) => transaction.objectStore("items").put({
                key: crypto.randomUUID(), kind: "checkIn", assembly, village, createdAt: Date.now(), seq: index, state: "waiting",
                url: `/api/v1/assemblies/${assembly}/attendance`, label: `Hadir: ${index}`, fields: {},
                body: { villageCode: village, nik, role: "community", gender: index % 2 ? "male" : "female", name: `Warga Antre ${index}` },
            }));
            transaction.oncomplete = () => { opening.result.close(); resolve(); };
            transaction.onerror = () => reject(transaction.error);
        };
    })""", [assembly, VILLAGE, niks])
    page.reload()
    count = page.locator("[data-outbox-count]")
    expect(count).to_have_attribute("data-outbox-count", "500")
    started = time.monotonic()
    context.set_offline(False)
    expect(count).to_have_attribute("data-outbox-count", "0", timeout=300_000)
    seconds = time.monotonic() - started
    assert village_attendance(base_url, assembly) == before + 500
    assert "3510" not in outbox_items(page)
    report("drain500", {"items": 500, "seconds": round(seconds, 1), "perSecond": round(500 / seconds, 1)})


SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}


def weigh(page: Page, url: str) -> dict:
    """First contentful paint and bytes transferred before images, on a fresh cache."""
    page.goto(url, wait_until="load")
    return page.evaluate("""() => new Promise((resolve) => {
        const done = (paint) => {
            const navigation = performance.getEntriesByType("navigation")[0];
            const resources = performance.getEntriesByType("resource").filter((entry) => entry.initiatorType !== "img");
            resolve({ firstPaintMs: Math.round(paint), bytes: navigation.transferSize + resources.reduce((sum, entry) => sum + entry.transferSize, 0) });
        };
        new PerformanceObserver((list) => {
            const paint = list.getEntriesByName("first-contentful-paint")[0];
            if (paint) done(paint.startTime);
        }).observe({ type: "paint", buffered: true });
        setTimeout(() => done(-1), 10000);
    })""")


def test_pages_fit_a_slow_3g_link(base_url, new_context, aliyan_operator):
    """Slow 3G (400 kbps, 400 ms round trip): the console and the citizens' pages paint within
    3 s and send under 100 KB before images."""
    measured = {}
    for name, path, who in [("console", None, OPERATOR), ("home", "/", None), ("proposals", "/usulan", None), ("assembly", None, None)]:
        context = new_context()
        page = context.new_page()
        if who:
            log_in(page, base_url, who)
        assembly = demo_assembly(page, base_url)
        url = f"{base_url}{path}" if path else f"{base_url}/musrenbang/{assembly}" + (f"/desa/{VILLAGE}" if who else "")
        fresh = context.new_page()  # a page with an empty memory cache, the disk cache cleared below
        cdp = context.new_cdp_session(fresh)
        cdp.send("Network.enable")
        cdp.send("Network.clearBrowserCache")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        measured[name] = weigh(fresh, url)
        context.close()
    report("slow3g", measured)
    for name, values in measured.items():
        assert 0 < values["firstPaintMs"] < 3000, f"{name}: first paint {values['firstPaintMs']} ms on slow 3G"
        assert values["bytes"] < 100_000, f"{name}: {values['bytes']} bytes before images"
