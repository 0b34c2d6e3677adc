"""Live polls in Chromium: the host opens a poll in the control room, a village console that is
already open shows it without a reload and answers it, and the control room's and the public
page's results follow without a reload; closing it shows on the public page the same way."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from helpers import assert_no_axe_violations, demo_assembly, log_in
from test_assembly import VILLAGE
from test_console_floor import record_form_posts


def test_a_poll_opened_in_the_control_room_is_answered_by_a_console_and_counted_live(base_url, new_context):
    answers: list[tuple[str, int]] = []
    question = f"Jajak uji {uuid.uuid4().hex[:6]}: apa prioritas pertama desa?"

    operator = new_context().new_page()
    record_form_posts(operator, answers)
    log_in(operator, base_url, "operator-desa")
    assembly = demo_assembly(operator, base_url)
    console = f"{base_url}/musrenbang/{assembly}/desa/{VILLAGE}"
    operator.goto(console)
    # The village's session must be under way to answer: start it if the demo left it scheduled.
    operator.evaluate("""async ([assembly, village]) => {
        const csrf = document.querySelector('input[name="_csrf"]').value;
        await fetch(`/api/v1/assemblies/${assembly}/sessions/${village}/stage`, { method: "POST",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify({ stage: "checkIn" }) });
    }""", [assembly, VILLAGE])
    operator.goto(console)
    expect(operator.locator("#jajak")).to_be_attached()

    public = new_context().new_page()
    public.goto(f"{base_url}/musrenbang/{assembly}")
    expect(public.locator("#jajak")).to_be_attached()

    host = new_context(viewport={"width": 1280, "height": 900}).new_page()
    record_form_posts(host, answers)
    log_in(host, base_url, "bappeda")
    host.goto(f"{base_url}/musrenbang/{assembly}/kendali")
    host.locator("#jajak-pendapat summary", has_text="Buka jajak pendapat baru").click()
    host.fill("#poll-question", question)
    host.fill("#poll-option1", "Jalan desa")
    host.fill("#poll-option2", "Air bersih")
    host.fill("#poll-option3", "Irigasi")
    host.get_by_role("button", name="Buka jajak pendapat", exact=True).click()
    expect(host.locator(".alert.ok")).to_contain_text("Jajak pendapat dibuka")
    card = host.locator("#jajak article.poll", has_text=question)
    expect(card).to_be_visible()
    poll = card.get_attribute("data-poll")
    expect(host.locator(f'[data-poll-total="{poll}"]')).to_have_text("0")

    # The console was open all along: the live stream brings the poll and its buttons, no reload.
    answer = operator.locator("#jajak article.poll", has_text=question)
    expect(answer.get_by_role("button", name="Air bersih")).to_be_visible(timeout=10_000)
    answer.get_by_role("button", name="Air bersih").click()
    expect(operator.locator(".alert.ok")).to_contain_text("Jawaban desa tercatat")
    answered = operator.locator("#jajak article.poll", has_text=question)
    expect(answered.locator("[data-poll-answer]")).to_have_text("Air bersih")
    expect(answered.get_by_role("button", name="Irigasi")).to_have_count(0)
    assert_no_axe_violations(operator)

    # The control room and the public page count it without a reload.
    expect(host.locator(f'[data-poll-count="{poll}:2"]')).to_have_text("1", timeout=10_000)
    expect(host.locator(f'[data-poll-total="{poll}"]')).to_have_text("1")
    expect(host.locator(f'[data-poll-bar="{poll}:2"]')).to_have_attribute("value", "1")
    expect(public.locator(f'[data-poll-count="{poll}:2"]')).to_have_text("1", timeout=10_000)
    expect(public.locator(f'[data-poll-percent="{poll}:2"]')).to_have_text("100")

    # Closing it: the public page shows it closed, again without a reload.
    card.get_by_role("button", name="Tutup jajak pendapat").click()
    expect(host.locator(".alert.ok")).to_contain_text("Jajak pendapat ditutup")
    expect(public.locator(f'article.poll[data-poll="{poll}"]')).to_have_attribute("data-poll-status", "closed", timeout=10_000)
    expect(public.locator(f'article.poll[data-poll="{poll}"]')).to_contain_text("Ditutup")

    assert answers, "no form was posted"
    assert all(status == 303 for _, status in answers), f"form posts that did not answer 303: {answers}"
