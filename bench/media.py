"""Live video benchmark: floor handover time, glass-to-glass latency (VideoRoom and the public
Streaming path), and how many village consoles one Janus carries on this machine.

Runs inside scripts/lib/media-netns.sh (a namespace with Janus started); bench/media runs it.
Every figure comes from Chromium's own view: decoded frames in getStats, and a clock drawn by
the publisher on a canvas and read back from the decoded picture by the viewer.
    python3 bench/media.py BINARY OUTPUT.md"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

BUBUK, MANGIR = "35.10.13.2007", "35.10.13.2002"
PASSWORD = "musrenbang-demo"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"]
ROOT = Path(__file__).resolve().parent.parent


def api(base, method, path, body=None, token=None):
    request = urllib.request.Request(f"{base}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def login(base, username):
    status, body = api(base, "POST", "/api/v1/auth/login", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total


def pids(word):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if word in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


TILE_STATS = """async ([feed]) => {
  const figure = document.querySelector(`[data-stage-view] figure[data-feed="${feed}"]`);
  if (!figure || !figure.dataset.peer) return { frames: 0, at: Date.now() };
  const mids = figure.dataset.mids.split(",");
  let frames = 0;
  for (const link of window.mbMedia.links) {
    if (link.peer !== figure.dataset.peer) continue;
    (await link.pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video" && mids.includes(s.mid)) frames += s.framesDecoded || 0; });
  }
  return { frames, at: Date.now() };
}"""

# The publisher draws the low 32 bits of Date.now() as an 8x4 grid of black and white blocks.
CLOCK_PUBLISH = """async ([assembly]) => {
  const { publish } = await import("/static/js/media.js");
  const canvas = Object.assign(document.createElement("canvas"), { width: 320, height: 240 });
  const g = canvas.getContext("2d");
  setInterval(() => {
    const now = Date.now() % 4294967296;
    for (let bit = 0; bit < 32; bit++) {
      g.fillStyle = Math.floor(now / 2 ** bit) % 2 ? "#fff" : "#000";
      g.fillRect((bit % 8) * 40, Math.floor(bit / 8) * 60, 40, 60);
    }
  }, 10);
  const stream = canvas.captureStream(30);
  window.clockLink = await publish(assembly, { villageCode: "hub", room: "stage", stream });
  return true;
}"""

# The viewer reads the blocks back from every decoded frame of the hub's tile.
CLOCK_READ = """async ([seconds]) => {
  const video = document.querySelector('[data-stage-view] figure[data-feed="1"] video');
  const canvas = Object.assign(document.createElement("canvas"), { width: 320, height: 240 });
  const g = canvas.getContext("2d", { willReadFrequently: true });
  const samples = [];
  const end = Date.now() + seconds * 1000;
  await new Promise((done) => {
    const frame = () => {
      g.drawImage(video, 0, 0, 320, 240);
      let value = 0;
      for (let bit = 0; bit < 32; bit++) {
        const [r] = g.getImageData((bit % 8) * 40 + 20, Math.floor(bit / 8) * 60 + 30, 1, 1).data;
        if (r > 128) value += 2 ** bit;
      }
      const delay = (Date.now() % 4294967296) - value;
      if (delay >= 0 && delay < 5000) samples.push(delay);
      if (Date.now() < end) video.requestVideoFrameCallback(frame); else done();
    };
    video.requestVideoFrameCallback(frame);
  });
  return samples;
}"""


class Server:
    def __init__(self, binary):
        self.tmp = Path(tempfile.mkdtemp(prefix="musrenbang-media-bench-"))
        data = self.tmp / "data"
        env = dict(os.environ, MUSRENBANG_DEMO_PASSWORD=PASSWORD, MUSRENBANG_RATE_LIMITS="off", MUSRENBANG_DATA_DIR=str(data), MUSRENBANG_SECRET="media-bench-secret-0123456789abcd",
                   JANUS_ADMIN_KEY=os.environ["MUSRENBANG_TEST_JANUS_KEY"])
        env.pop("DATABASE_URL", None)
        for command in (["migrate"], ["demo"]):
            subprocess.run([binary, *command], env=env, check=True, capture_output=True)
        self.base = "http://127.0.0.1:18411"
        self.process = subprocess.Popen([binary, "serve", "--port", "18411", "--log-level", "warning",
                                         "--janus", os.environ["MUSRENBANG_TEST_JANUS_URL"]], env=env)
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{self.base}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(2.5)  # the media watchdog's first check

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def assembly(base, planner, villages, title):
    status, created = api(base, "POST", "/api/v1/assemblies", {
        "title": title, "level": "village", "regencyCode": "35.10", "planYear": time.gmtime().tm_year + 1,
        "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "hubVillageCode": BUBUK, "villageCodes": villages}, planner)
    assert status == 201, created
    for stage in ["checkIn", "opening", "dialogue"]:
        assert api(base, "POST", f"/api/v1/assemblies/{created['id']}/stage", {"stage": stage}, planner)[0] == 200
    return created["id"]


def page_as(browser, base, username, path, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{base}/masuk")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator('form[action="/masuk"] button[type=submit]').click()
    page.wait_for_url(f"{base}/akun")
    page.goto(f"{base}{path}")
    return page


def wait_frames(page, feed, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(TILE_STATS, [feed])["frames"] > 0:
            return time.monotonic()
        time.sleep(0.02)
    raise RuntimeError(f"feed {feed} never decoded")


def handover_and_latency(browser, server, rounds):
    base = server.base
    planner, host = login(base, "bappeda"), login(base, "bupati")
    ident = assembly(base, planner, [BUBUK, MANGIR], "Bench: giliran dan latensi")
    hub = page_as(browser, base, "bupati", "/akun")
    hub.evaluate(CLOCK_PUBLISH, [ident])
    bubuk = page_as(browser, base, "operator-desa", f"/musrenbang/{ident}/desa/{BUBUK}")
    wait_frames(bubuk, "1")
    public = browser.new_context().new_page()
    public.goto(f"{base}/musrenbang/{ident}")
    wait_frames(public, "1")
    time.sleep(2)
    latency_room = bubuk.evaluate(CLOCK_READ, [15])
    latency_stream = public.evaluate(CLOCK_READ, [15])

    mangir = page_as(browser, base, "kecamatan", f"/musrenbang/{ident}/desa/{MANGIR}")
    mangir.get_by_role("button", name="Nyalakan kamera dan mikrofon balai desa").click()
    mangir_token = login(base, "kecamatan")
    handovers = []
    for _ in range(rounds):
        assert api(base, "POST", f"/api/v1/assemblies/{ident}/floor/hands", {"villageCode": MANGIR, "topic": "Uji giliran"}, mangir_token)[0] == 201
        started = time.monotonic()
        assert api(base, "POST", f"/api/v1/assemblies/{ident}/floor/grant", {"villageCode": MANGIR}, host)[0] == 200
        handovers.append(wait_frames(bubuk, MANGIR.replace(".", "")) - started)
        assert api(base, "POST", f"/api/v1/assemblies/{ident}/floor/end", {"villageCode": MANGIR}, host)[0] == 200
        deadline = time.monotonic() + 15
        while bubuk.locator(f'figure[data-feed="{MANGIR.replace(".", "")}"]').count() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    for page in (hub, bubuk, public, mangir):
        page.context.close()
    return handovers, latency_room, latency_stream


def capacity(browser, server, width, height, steps):
    base = server.base
    admin, planner = login(base, "admin"), login(base, "bappeda")
    wilayah = (ROOT / "Sources/MusrenbangStore/Resources/wilayah/wilayah.csv").read_text().splitlines()
    villages = [line.split(",")[0] for line in wilayah if line.startswith("35.10.") and line.count(".") == 3 and not line.startswith(BUBUK)]
    villages = villages[: max(steps)]
    ident = assembly(base, planner, [BUBUK] + villages, f"Bench: kapasitas {width}x{height}")
    for code in villages:
        api(base, "POST", "/api/v1/users", {"username": f"op-{code}", "name": f"Operator {code}", "password": PASSWORD,
                                            "role": "village_operator", "regionCode": code}, admin)
    hub = page_as(browser, base, "bupati", "/akun")
    hub.evaluate("""async ([assembly, width, height]) => {
      const { publish } = await import("/static/js/media.js");
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width, height, frameRate: 20 } });
      window.hubLink = await publish(assembly, { villageCode: "hub", room: "stage", stream });
    }""", [ident, width, height])
    janus = [int((Path(os.environ["MUSRENBANG_JANUS_DIR"]) / "pid").read_text())]
    rows, consoles = [], []
    for n in steps:
        while len(consoles) < n:
            code = villages[len(consoles)]
            consoles.append(page_as(browser, base, f"op-{code}", f"/musrenbang/{ident}/desa/{code}"))
        time.sleep(8)
        chromium, server_pids = pids("chromium"), [server.process.pid]
        # Each console's rate from its own clock: reading 100 pages one after another takes seconds.
        cpu_before, started = (cpu_seconds(janus), cpu_seconds(chromium), cpu_seconds(server_pids)), time.monotonic()
        before = [c.evaluate(TILE_STATS, ["1"]) for c in consoles]
        time.sleep(6)
        after = [c.evaluate(TILE_STATS, ["1"]) for c in consoles]
        window = time.monotonic() - started
        cpu_after = (cpu_seconds(janus), cpu_seconds(chromium), cpu_seconds(server_pids))
        used = [(b - a) / window * 100 for a, b in zip(cpu_before, cpu_after)]
        fps = [(y["frames"] - x["frames"]) / max(0.001, (y["at"] - x["at"]) / 1000) for x, y in zip(before, after)]
        rss = int(Path(f"/proc/{janus[0]}/status").read_text().split("VmRSS:")[1].split()[0]) // 1024
        rows.append((n, statistics.median(fps), min(fps), sum(f >= 10 for f in fps), used[0], rss, used[1], used[2]))
        print(f"{width}x{height} n={n}: median {rows[-1][1]:.1f} fps, min {rows[-1][2]:.1f}, janus {used[0]:.0f}%, chromium {used[1]:.0f}%", flush=True)
    for page in consoles + [hub]:
        page.context.close()
    return rows


def main():
    binary, output = sys.argv[1], sys.argv[2]
    rounds = int(os.environ.get("MEDIA_BENCH_ROUNDS", "10"))
    steps = [int(s) for s in os.environ.get("MEDIA_BENCH_STEPS", "5,10,20,40").split(",")]
    lines = [f"# Media benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores",
             "", "Janus 1.1.2 in a network namespace (veth), Chromium headless with fake devices, all on one machine.", ""]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        server = Server(binary)
        try:
            handovers, room, stream = handover_and_latency(browser, server, rounds)
            lines += ["## Floor handover and glass-to-glass latency", "",
                      "| measure | n | p50 | p95 | max |", "|---|---|---|---|---|",
                      f"| handover: grant → first decoded frame at another village | {len(handovers)} | {pct(handovers, 50)*1000:.0f} ms | "
                      f"{pct(handovers, 95)*1000:.0f} ms | {max(handovers)*1000:.0f} ms |",
                      f"| glass-to-glass, VideoRoom (village console) | {len(room)} frames | {pct(room, 50)} ms | {pct(room, 95)} ms | {max(room)} ms |",
                      f"| glass-to-glass, rtp_forward → Streaming (public page) | {len(stream)} frames | {pct(stream, 50)} ms | "
                      f"{pct(stream, 95)} ms | {max(stream)} ms |", ""]
            for width, height in [(320, 240), (640, 480)]:
                rows = capacity(browser, server, width, height, steps)
                lines += [f"## Village consoles receiving the hub at {width}x{height} (source 20 fps)", "",
                          "| consoles | median fps | lowest fps | consoles ≥ 10 fps | Janus CPU | Janus RSS | Chromium CPU (all) | server CPU |",
                          "|---|---|---|---|---|---|---|---|"]
                lines += [f"| {n} | {med:.1f} | {low:.1f} | {ok}/{n} | {j:.0f} % | {rss} MB | {c:.0f} % | {s:.0f} % |"
                          for n, med, low, ok, j, rss, c, s in rows]
                lines.append("")
        finally:
            server.close()
            browser.close()
    Path(output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
