"""The village console's floor in Chromium: a village raises its hand, the host gives it the
floor from another browser, and the console shows "Selesai berbicara" without a reload. Every
form posted on the way answers 303 (Post/Redirect/Get), so a reload never sends it again."""

from __future__ import annotations

from playwright.sync_api import expect

from helpers import assert_no_axe_violations, demo_assembly, log_in
from test_assembly import VILLAGE


def record_form_posts(page, answers: list) -> None:
    """Notes the status of every form the page posts (not the scripts' API calls)."""
    def note(response):
        request = response.request
        if request.method == "POST" and "application/x-www-form-urlencoded" in (request.headers.get("content-type") or ""):
            answers.append((request.url, response.status))
    page.on("response", note)


def test_floor_granted_from_the_control_room_shows_on_the_console_without_reload(base_url, new_context):
    answers: list[tuple[str, int]] = []
    operator = new_context().new_page()
    record_form_posts(operator, answers)
    log_in(operator, base_url, "operator-desa")
    assembly = demo_assembly(operator, base_url)
    console = f"{base_url}/musrenbang/{assembly}/desa/{VILLAGE}"
    operator.goto(console)
    floor = operator.locator("#bicara")
    expect(floor).to_be_visible()
    if floor.get_by_role("button", name="Selesai berbicara").count():
        floor.get_by_role("button", name="Selesai berbicara").click()
    elif floor.get_by_role("button", name="Batalkan").count():
        floor.get_by_role("button", name="Batalkan").click()
    operator.fill("#topic", "Irigasi sawah Dusun Krajan")
    floor.get_by_role("button", name="Minta bicara").click()
    expect(operator.locator(".alert.ok")).to_contain_text("Permintaan bicara terkirim")
    expect(floor).to_contain_text("Menunggu giliran")
    # A reload shows the console as it is now, and the message does not come back.
    operator.reload()
    expect(operator.locator(".alert.ok")).to_have_count(0)
    expect(floor).to_contain_text("Menunggu giliran")

    host = new_context(viewport={"width": 1280, "height": 900}).new_page()
    record_form_posts(host, answers)
    log_in(host, base_url, "bappeda")
    host.goto(f"{base_url}/musrenbang/{assembly}/kendali")
    waiting = host.locator("#lantai li", has_text="Irigasi sawah Dusun Krajan")
    expect(waiting).to_be_visible()
    waiting.get_by_role("button", name="Beri giliran").click()
    expect(host.locator("#di-panggung")).to_contain_text("Irigasi sawah Dusun Krajan")

    # No reload on the console: the live stream tells it, and it re-reads its floor section.
    expect(floor.get_by_role("button", name="Selesai berbicara")).to_be_visible(timeout=10_000)
    expect(floor).to_contain_text("Desa Anda sedang di panggung")
    assert_no_axe_violations(operator)
    floor.get_by_role("button", name="Selesai berbicara").click()
    expect(floor.get_by_role("button", name="Minta bicara")).to_be_visible()

    assert answers, "no form was posted"
    assert all(status == 303 for _, status in answers), f"form posts that did not answer 303: {answers}"
