"""The screens of the day in Chromium: the control room shows the whole regency on one 1920x1080
screen (every panel in the first viewport, one tile per village, tiles following check-ins live,
a tile opening its village's detail, the wall and the table as views of their own); the village
console at 360 px puts the current stage's task first and loses nothing typed when the stage
moves on; the public page shows the programme and the counters in its first screen.
Screenshots of each view at both sizes go to test-artifacts/screens/."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

from helpers import DEMO_PASSWORD, assert_no_axe_violations, demo_assembly, log_in

VILLAGE = "35.10.13.2007"  # Desa Bubuk, the demo operator's village
FULL_HD = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 740}
PANELS = ["stage", "floor-queue", "questions", "counters", "villages"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def api(base_url: str, method: str, path: str, body=None, token: str | None = None):
    request = urllib.request.Request(f"{base_url}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=15) as response:
        text = response.read()
        return response.status, json.loads(text) if text else None


def token(base_url: str, username: str) -> str:
    return api(base_url, "POST", "/api/v1/auth/login", {"username": username, "password": DEMO_PASSWORD})[1]["token"]



def open_task(page: Page, key: str) -> None:
    """Unfolds a console task (a summary click would fold an open one)."""
    page.locator(f'details[data-task="{key}"]').evaluate("d => { d.open = true; }")


def within_viewport(page: Page, panel: str) -> None:
    box = page.locator(f'[data-panel="{panel}"]').bounding_box()
    assert box is not None, f"{panel} is not shown"
    size = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 0.5, f"{panel} spans {box['y']}–{box['y'] + box['height']}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 0.5, f"{panel} spans {box['x']}–{box['x'] + box['width']}"


def test_control_room_is_one_screen_and_follows_the_villages(base_url, new_context):
    room = new_context(viewport=FULL_HD).new_page()
    log_in(room, base_url, "bappeda")
    assembly = demo_assembly(room, base_url)
    room.goto(f"{base_url}/musrenbang/{assembly}/kendali")
    for panel in PANELS:
        within_viewport(room, panel)
    _, summary = api(base_url, "GET", f"/api/v1/assemblies/{assembly}/summary")
    tiles = room.locator('[data-panel="villages"] [data-village]')
    assert tiles.count() == summary["villages"]["total"] == 217
    height = room.evaluate("document.documentElement.scrollHeight")
    size = len(urllib.request.urlopen(urllib.request.Request(f"{base_url}/musrenbang/{assembly}/kendali",
                                                             headers={"Authorization": f"Bearer {token(base_url, 'bappeda')}"})).read())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "control-room.json").write_text(json.dumps({"pageHeight1920x1080": height, "htmlBytes": size, "tiles": tiles.count()}))
    assert_no_axe_violations(room)
    shot(room, "control-room-1920-overview")

    # A check-in at Bubuk, from the operator's phone, changes Bubuk's tile without a reload.
    tile = room.locator(f'[data-panel="villages"] .tile[data-village="{VILLAGE}"]')
    before = int(tile.locator('[data-cell="attendance"]').inner_text())
    operator = new_context().new_page()
    log_in(operator, base_url, "operator-desa")
    operator.goto(f"{base_url}/musrenbang/{assembly}/desa/{VILLAGE}")
    if operator.locator("#key").count() == 0:
        open_task(operator, "stage")
        operator.get_by_role("button", name="Ke tahap: Registrasi peserta").click()
    operator.fill("#key", "3510135507880031")
    operator.select_option("#role", "womensGroup")
    operator.check("input[name=gender][value=female]")
    operator.locator("summary", has_text="Peserta baru").click()
    operator.fill("#name", "Peserta Layar")
    started = time.monotonic()
    operator.get_by_role("button", name="Catat hadir").click()
    expect(operator.locator(".alert.ok")).to_contain_text("tercatat hadir")
    expect(tile.locator('[data-cell="attendance"]')).to_have_text(str(before + 1), timeout=1500)
    assert time.monotonic() - started < 5

    # A tile opens its village's detail in place.
    tile.click()
    detail = room.locator("#village-detail")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("Desa Bubuk")
    expect(detail).to_contain_text("Kelompok perempuan / PKK")
    expect(detail.get_by_role("link", name="Buka konsol desa")).to_have_attribute("href", f"/musrenbang/{assembly}/desa/{VILLAGE}")
    assert room.url.endswith("/kendali") or "view=" in room.url
    assert_no_axe_violations(room)
    shot(room, "control-room-1920-detail")

    # The wall and the table are views of their own: the other panels stay where they are.
    room.get_by_role("link", name="Dinding pantauan desa").click()
    expect(room.locator('[data-panel="wall"]')).to_be_visible()
    expect(room.locator('[data-panel="villages"]')).to_be_hidden()
    for panel in ["stage", "floor-queue", "questions", "counters", "wall"]:
        within_viewport(room, panel)
    assert_no_axe_violations(room)
    shot(room, "control-room-1920-wall")
    room.get_by_role("link", name="Tabel desa").click()
    expect(room.locator("table#villages")).to_be_visible()
    expect(room.locator(f'tr[data-village="{VILLAGE}"] [data-cell="attendance"]')).to_have_text(str(before + 1))
    assert_no_axe_violations(room)
    shot(room, "control-room-1920-table")
    # Without scripts the views are addresses; the server renders the one asked for.
    room.goto(f"{base_url}/musrenbang/{assembly}/kendali?view=tabel")
    expect(room.locator('[data-panel="table"]')).to_be_visible()

    phone = new_context(viewport=PHONE).new_page()
    log_in(phone, base_url, "bappeda")
    phone.goto(f"{base_url}/musrenbang/{assembly}/kendali")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "control-room-360-overview")


def test_console_puts_the_current_task_first_and_keeps_what_was_typed(base_url, new_context):
    planner = token(base_url, "bappeda")
    _, created = api(base_url, "POST", "/api/v1/assemblies", {
        "title": "Musrenbang layar", "level": "village", "regencyCode": "35.10", "planYear": time.gmtime().tm_year + 1,
        "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "hubVillageCode": VILLAGE, "villageCodes": [VILLAGE],
    }, planner)
    ident = created["id"]
    for stage in ["checkIn", "opening", "dialogue"]:
        api(base_url, "POST", f"/api/v1/assemblies/{ident}/stage", {"stage": stage}, planner)
    console = new_context(viewport=PHONE).new_page()
    log_in(console, base_url, "operator-desa")
    console.goto(f"{base_url}/musrenbang/{ident}/desa/{VILLAGE}")

    def first_task(expected: str) -> None:
        # After a stage move the page is drawn again: wait for the task the stage puts first, then
        # read every task's place in one snapshot (read one by one, a redraw in between mixed two pages).
        first = console.locator("details.task").first
        expect(first).to_have_attribute("data-task", expected)
        expect(first).to_have_attribute("open", "")
        tops = console.evaluate("() => [...document.querySelectorAll('details.task')]"
                                ".map((task) => task.getBoundingClientRect().top + window.scrollY)")
        assert tops == sorted(tops), "the tasks are shown in their order"

    first_task("stage")
    assert_no_axe_violations(console)
    shot(console, "console-360-scheduled")

    # The operator starts the minutes early (a folded section), then the stage moves on.
    open_task(console, "berita-acara")
    console.fill("#agreements", "Warga sepakat memprioritaskan jalan poros.")
    console.get_by_role("button", name="Ke tahap: Registrasi peserta").click()
    first_task("hadir")
    expect(console.locator("#key")).to_be_visible()
    shot(console, "console-360-checkin")
    for stage, task in [("Pembukaan", "video"), ("Dialog dengan Bupati", "floor")]:
        open_task(console, "stage")
        console.get_by_role("button", name=f"Ke tahap: {stage}").click()
        first_task(task)
    # The floor and the live video are reachable whatever the stage; the question form is open too.
    expect(console.get_by_role("button", name="Minta bicara")).to_be_visible()
    expect(console.locator("[data-camera-start]")).to_be_visible()
    expect(console.locator("#q-body")).to_be_visible()
    assert_no_axe_violations(console)
    shot(console, "console-360-dialogue")
    open_task(console, "berita-acara")
    expect(console.locator("#agreements")).to_have_value("Warga sepakat memprioritaskan jalan poros.")

    wide = new_context(viewport=FULL_HD).new_page()
    log_in(wide, base_url, "operator-desa")
    wide.goto(f"{base_url}/musrenbang/{ident}/desa/{VILLAGE}")
    shot(wide, "console-1920-dialogue")


def test_public_page_shows_the_programme_and_the_counters_first(base_url, page):
    assembly = demo_assembly(page, base_url)
    page.goto(f"{base_url}/musrenbang/{assembly}")
    for selector in ['[data-role="public"]', ".counters"]:
        box = page.locator(selector).bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], f"{selector} ends at {box and box['y'] + box['height']}"
    assert_no_axe_violations(page)
    shot(page, "public-360")
    page.set_viewport_size(FULL_HD)
    shot(page, "public-1920")
