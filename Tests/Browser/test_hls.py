"""The public program as HLS, with a real Janus, ffmpeg and Chromium's fake camera (inside the
network namespace of scripts/lib/media-netns.sh). The hub goes on air; a viewer who asks for it
(?siaran=hls) plays the program through HLS (Media Source Extensions, fMP4 H.264/AAC), and a
viewer who comes when the server's WebRTC viewers are all taken is given HLS by itself. When the
hub goes off air, the playlist goes and no ffmpeg is left running. The program is also pushed to
the regency's live platform (RTMP, which is down here): the control room names its host, never its
key, and the HLS program plays on regardless."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import RESTREAM_URL
from helpers import log_in
from test_media import api, assembly_in_dialogue, hub_on_air

pytestmark = pytest.mark.skipif(not os.environ.get("MUSRENBANG_TEST_JANUS_URL"), reason="needs Janus (scripts/lib/media-netns.sh)")

PLAYBACK = """() => {
  const video = document.querySelector('[data-stage-view] figure[data-feed="program"] video');
  if (!video) return null;
  return { time: video.currentTime, frames: video.getVideoPlaybackQuality().totalVideoFrames,
           mse: video.src.startsWith("blob:"), mode: document.querySelector("[data-media]").dataset.program,
           note: document.querySelector("[data-program-mode]").textContent };
}"""


def plays_hls(page: Page, timeout: float = 60.0) -> dict:
    """Waits until the program's video advances through HLS: its clock and its decoded frames grow."""
    deadline = time.monotonic() + timeout
    first = None
    last = None
    while time.monotonic() < deadline:
        last = page.evaluate(PLAYBACK)
        if last and last["frames"] > 0:
            if first is None:
                first = last
            elif last["time"] > first["time"] + 1 and last["frames"] > first["frames"] + 10:
                return last
        time.sleep(0.5)
    raise AssertionError(f"the HLS program did not play within {timeout:.0f} s: first {first}, last {last}; "
                         f"status: {page.locator('[data-media-status]').inner_text()}")


def ffmpeg_processes(data_dir: Path) -> list[int]:
    """ffmpeg processes working for this server (their command line names its data directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "ffmpeg" in command and str(data_dir) in command:
            found.append(int(entry.name))
    return found


def test_program_as_hls(base_url, new_context, server_data_dir):
    _, ident = assembly_in_dialogue(base_url, "Musrenbang HLS uji")
    hub = hub_on_air(new_context, base_url, ident)

    # The playlist appears once ffmpeg has its first segments.
    deadline = time.monotonic() + 60
    state = {}
    while time.monotonic() < deadline:
        status, state = api(base_url, "GET", f"/api/v1/assemblies/{ident}/media")
        if state.get("program", {}).get("hls"):
            break
        time.sleep(1)
    assert state["program"]["hls"] == f"/musrenbang/{ident}/siaran/index.m3u8", state
    assert state["program"]["webrtc"] is True
    assert len(ffmpeg_processes(server_data_dir)) == 1, "one ffmpeg for the program"
    key = RESTREAM_URL.replace("{assembly}", str(ident))
    assert key in ffmpeg_command(ffmpeg_processes(server_data_dir)[0]), "the same encode is pushed to the platform"

    # The control room says where the program goes, without the stream key.
    room = new_context().new_page()
    log_in(room, base_url, "bappeda")
    room.goto(f"{base_url}/musrenbang/{ident}/kendali")
    expect(room.locator("[data-restream]")).to_contain_text("Siaran juga diteruskan ke 127.0.0.1")
    assert "kunci-rahasia" not in room.content()
    room.close()

    # A viewer who wants to save data asks for HLS.
    saver = new_context().new_page()
    saver.goto(f"{base_url}/musrenbang/{ident}?siaran=hls")
    played = plays_hls(saver)
    assert played["mse"], "Chromium plays it through Media Source Extensions"
    assert played["mode"] == "hls"
    expect(saver.locator("[data-program-mode]")).to_have_text("Siaran (HLS, tertunda beberapa detik).")
    assert saver.evaluate("() => window.mbMedia.links.size") == 0, "no WebRTC connection for an HLS viewer"

    # The server's WebRTC viewers are all taken (two offers nobody answers yet)…
    taken = []
    for _ in range(2):
        status, offered = api(base_url, "POST", f"/api/v1/assemblies/{ident}/media/watch",
                              {"mountpoint": state["stage"][0]["mountpoint"]})
        assert status == 201, offered
        taken.append(offered)
    status, state = api(base_url, "GET", f"/api/v1/assemblies/{ident}/media")
    assert state["program"]["webrtc"] is False, state
    # …so the next viewer is given HLS without asking.
    late = new_context().new_page()
    late.goto(f"{base_url}/musrenbang/{ident}")
    played = plays_hls(late)
    assert played["mode"] == "hls"
    expect(late.locator("[data-program-mode]")).to_have_text("Siaran (HLS, tertunda beberapa detik).")
    for offered in taken:
        request = urllib_delete(base_url, f"/api/v1/media/peers/{offered['peer']}", offered["viewer"])
        assert request == 204

    # A viewer when there is room again watches over WebRTC, and the page says so.
    live = new_context().new_page()
    live.goto(f"{base_url}/musrenbang/{ident}")
    expect(live.locator("[data-program-mode]")).to_have_text("Siaran langsung (WebRTC).", timeout=20_000)
    expect(live.locator('[data-stage-view] figure[data-feed="1"]')).to_have_count(1, timeout=20_000)
    live.close()

    # The hub goes off air (its connection closed, as the page does when it leaves): the playlist
    # goes, ffmpeg stops, the HLS viewers are told.
    hub.evaluate("() => { for (const link of [...window.mbMedia.links]) link.close(); }")
    hub.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, state = api(base_url, "GET", f"/api/v1/assemblies/{ident}/media")
        if not state["program"].get("hls") and not ffmpeg_processes(server_data_dir):
            break
        time.sleep(1)
    assert state["program"].get("hls") is None, state
    assert ffmpeg_processes(server_data_dir) == [], "no ffmpeg left once the program ended"
    expect(saver.locator('[data-stage-view] figure[data-feed="program"]')).to_have_count(0, timeout=30_000)


def ffmpeg_command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def urllib_delete(base_url: str, path: str, viewer: str) -> int:
    import urllib.request
    request = urllib.request.Request(f"{base_url}{path}", method="DELETE", headers={"X-Media-Viewer": viewer})
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.status
