"""The public program as HLS: glass-to-glass latency through ffmpeg and the MSE player, and how
many concurrent HLS viewers one node serves.

Runs inside scripts/lib/media-netns.sh (a namespace with Janus started); bench/hls runs it.
Latency: the hub publishes a clock drawn on a canvas (bench/media.py's method); a public page
with ?siaran=hls reads it back from every decoded frame of the HLS video. Capacity: N asyncio
clients, each one keep-alive connection doing what a player does (the playlist every target
duration, every new segment once), raised step by step; a step "keeps up" while at least 99 %
of the clients get each segment within one segment duration of seeing it listed.
    python3 bench/hls.py BINARY OUTPUT.md"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import concurrent.futures
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from media import BUBUK, ROOT, ARGS, CHROMIUM, Server, api, assembly, login, page_as, pct, pids, cpu_seconds  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

# bench/media.py's clock (the low 32 bits of Date.now() as 8x4 blocks) in the top-left quarter of
# a 640x480 canvas, and moving noise in the rest, so that segments are as big as a camera's.
CLOCK_PUBLISH_NOISY = """async ([assembly]) => {
  const { publish } = await import("/static/js/media.js");
  const canvas = Object.assign(document.createElement("canvas"), { width: 640, height: 480 });
  const g = canvas.getContext("2d");
  setInterval(() => {
    const now = Date.now() % 4294967296;
    for (let bit = 0; bit < 32; bit++) {
      g.fillStyle = Math.floor(now / 2 ** bit) % 2 ? "#fff" : "#000";
      g.fillRect((bit % 8) * 40, Math.floor(bit / 8) * 60, 40, 60);
    }
  }, 10);
  setInterval(() => {
    for (let i = 0; i < 400; i++) {
      g.fillStyle = `hsl(${Math.random() * 360} 80% 50%)`;
      const x = Math.random() * 640, y = Math.random() * 480;
      if (x < 330 && y < 250) continue;
      g.fillRect(x, y, 12, 12);
    }
  }, 40);
  const stream = canvas.captureStream(30);
  window.clockLink = await publish(assembly, { villageCode: "hub", room: "stage", stream });
  return true;
}"""

# The hub's 640x480 canvas arrives letter-boxed in ffmpeg's 640x360: 480x360 from x = 80, scale 0.75.
CLOCK_READ_HLS = """async ([seconds]) => {
  const video = document.querySelector('[data-stage-view] figure[data-feed="program"] video');
  const canvas = Object.assign(document.createElement("canvas"), { width: 640, height: 360 });
  const g = canvas.getContext("2d", { willReadFrequently: true });
  const samples = [];
  const end = Date.now() + seconds * 1000;
  await new Promise((done) => {
    const frame = () => {
      g.drawImage(video, 0, 0, 640, 360);
      let value = 0;
      for (let bit = 0; bit < 32; bit++) {
        const [r] = g.getImageData(80 + ((bit % 8) * 40 + 20) * 0.75, (Math.floor(bit / 8) * 60 + 30) * 0.75, 1, 1).data;
        if (r > 128) value += 2 ** bit;
      }
      const delay = (Date.now() % 4294967296) - value;
      if (delay >= 0 && delay < 60000) samples.push(delay);
      if (Date.now() < end) video.requestVideoFrameCallback(frame); else done();
    };
    video.requestVideoFrameCallback(frame);
  });
  return samples;
}"""


def wait_playlist(base, ident, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, state = api(base, "GET", f"/api/v1/assemblies/{ident}/media")
        if status == 200 and state.get("program", {}).get("hls"):
            return state["program"]["hls"]
        time.sleep(0.5)
    raise RuntimeError("no HLS playlist")


def latency(browser, server, seconds):
    base = server.base
    planner = login(base, "bappeda")
    ident = assembly(base, planner, [BUBUK], "Bench: siaran HLS")
    hub = page_as(browser, base, "bupati", "/akun")
    hub.evaluate(CLOCK_PUBLISH_NOISY, [ident])
    playlist = wait_playlist(base, ident)
    viewer = browser.new_context().new_page()
    viewer.goto(f"{base}/musrenbang/{ident}?siaran=hls")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not viewer.evaluate(
            "() => document.querySelector('figure[data-feed=program] video')?.getVideoPlaybackQuality().totalVideoFrames > 0"):
        time.sleep(0.5)
    time.sleep(4)
    samples = viewer.evaluate(CLOCK_READ_HLS, [seconds])
    viewer.context.close()
    return ident, hub, playlist, samples


class Stats:
    def __init__(self):
        self.requests = 0
        self.bytes = 0
        self.errors = 0
        self.lags: list[float] = []


async def fetch(reader, writer, host, path, stats):
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    stats.requests += 1
    stats.bytes += len(head) + length
    return status, body


async def player(host, port, playlist, stats, until):
    reader, writer = await asyncio.open_connection(host, port)
    base = playlist.rsplit("/", 1)[0]
    seen: set[str] = set()
    first = True
    try:
        while time.monotonic() < until:
            started = time.monotonic()
            status, body = await fetch(reader, writer, host, playlist, stats)
            if status != 200:
                stats.errors += 1
                await asyncio.sleep(1)
                continue
            lines = body.decode().splitlines()
            target = next((float(l.split(":")[1]) for l in lines if l.startswith("#EXT-X-TARGETDURATION:")), 2.0)
            segments = [l for l in lines if l and not l.startswith("#")]
            if first:
                # A player starts near the live edge (the init segment, then the last two).
                init = next((l.split('"')[1] for l in lines if l.startswith("#EXT-X-MAP:")), None)
                if init:
                    await fetch(reader, writer, host, f"{base}/{init}", stats)
                seen.update(segments[:-2])
                first = False
            for name in segments:
                if name in seen:
                    continue
                seen.add(name)
                status, _ = await fetch(reader, writer, host, f"{base}/{name}", stats)
                if status != 200:
                    stats.errors += 1
                stats.lags.append(time.monotonic() - started)
            await asyncio.sleep(max(0.0, target - (time.monotonic() - started)))
    except (OSError, asyncio.IncompleteReadError, ValueError):
        stats.errors += 1
    finally:
        writer.close()


async def crowd(port, playlist, clients, seconds, stats):
    until = time.monotonic() + seconds
    tasks = []
    for i in range(clients):
        tasks.append(asyncio.create_task(player("127.0.0.1", port, playlist, stats, until)))
        if i % 50 == 49:
            await asyncio.sleep(0.2)  # players arrive over a few seconds, not in one instant
    await asyncio.gather(*tasks)


def worker(args):
    """One client process's share of the players; returns its figures and its own CPU time."""
    port, playlist, clients, seconds = args
    stats = Stats()
    before = os.times()
    asyncio.run(crowd(port, playlist, clients, seconds, stats))
    after = os.times()
    return stats.requests, stats.bytes, stats.errors, stats.lags, (after.user - before.user) + (after.system - before.system)


def players(port, playlist, clients, seconds, processes):
    """The players spread over a few processes (one Python process tops out near 400 of them)."""
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    total = Stats()
    cpu = 0.0
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        for requests, size, errors, lags, used in pool.map(worker, [(port, playlist, n, seconds) for n in shares if n]):
            total.requests += requests
            total.bytes += size
            total.errors += errors
            total.lags += lags
            cpu += used
    return total, cpu


def ffmpeg_of(server):
    found = []
    for pid in pids("ffmpeg"):
        try:
            if str(server.tmp) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                found.append(pid)
        except OSError:
            pass
    return found


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_steps(port, playlist, steps, seconds, processes, served_by, ffmpeg):
    """Raises the players step by step until fewer than 99 % of segments arrive in time."""
    rows = []
    for clients in steps:
        cpu0, ff0, t0 = cpu_seconds(served_by()), cpu_seconds(ffmpeg), time.monotonic()
        stats, client_cpu = players(port, playlist, clients, seconds, processes)
        elapsed = time.monotonic() - t0
        cpu = (cpu_seconds(served_by()) - cpu0) / elapsed * 100
        ff = (cpu_seconds(ffmpeg) - ff0) / elapsed * 100
        lags = stats.lags or [0.0]
        within = sum(1 for x in lags if x <= 2.0) / len(lags) * 100
        row = (f"| {clients} | {stats.requests / elapsed:.0f} | {stats.bytes / elapsed / 1e6:.1f} | "
               f"{statistics.median(lags):.2f} / {pct(lags, 99):.2f} | {within:.1f} % | {stats.errors} | {cpu:.1f} | "
               f"{sum(rss_mb(pid) for pid in served_by()):.0f} | {ff:.0f} | {client_cpu / elapsed * 100:.0f} |")
        print(row, flush=True)
        rows.append(row)
        if within < 99:
            rows += ["", f"At {clients} players fewer than 99 % of segments arrived within a segment's duration: "
                     "the step before is the figure."]
            break
    return rows


class Nginx:
    """nginx on loopback with the deployed site's two HLS locations, aliased to the server's folder."""

    def __init__(self, binary, root, port):
        self.work = Path(tempfile.mkdtemp(prefix="musrenbang-hls-nginx-"))
        site = (ROOT / "deploy/nginx/musrenbang.conf").read_text()
        blocks = re.findall(r'    location ~ "\^/musrenbang/.*?siaran.*?\n    }\n', site, re.S)
        assert len(blocks) == 2, "the deployed site's HLS locations"
        locations = "".join(blocks).replace("/var/lib/musrenbang/hls", str(root))
        w = self.work
        (w / "nginx.conf").write_text(f"""user root;
worker_processes 1;
pid {w}/nginx.pid;
error_log {w}/error.log;
events {{ worker_connections 8192; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {w}/b; proxy_temp_path {w}/p; fastcgi_temp_path {w}/f; uwsgi_temp_path {w}/u; scgi_temp_path {w}/s;
  server {{
    listen 127.0.0.1:{port};
{locations}  }}
}}
""")
        subprocess.run([binary, "-c", str(w / "nginx.conf"), "-p", str(w)], check=True)
        for _ in range(50):
            if (w / "nginx.pid").exists():
                break
            time.sleep(0.1)
        self.master = int((w / "nginx.pid").read_text())

    def pids(self):
        found = [self.master]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.master:
                        found.append(int(entry.name))
                except (OSError, IndexError, ValueError):
                    pass
        return found

    def close(self):
        subprocess.run(["kill", "-QUIT", str(self.master)], check=False)
        time.sleep(0.5)
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    binary, output = sys.argv[1], sys.argv[2]
    steps = [int(x) for x in os.environ.get("HLS_BENCH_STEPS", "50,100,200,400,800").split(",")]
    seconds = int(os.environ.get("HLS_BENCH_SECONDS", "30"))
    processes = int(os.environ.get("HLS_BENCH_PROCESSES", "2"))
    server = Server(binary)
    port = int(server.base.rsplit(":", 1)[1])
    lines = [f"# HLS program benchmark ({time.strftime('%Y-%m-%d')})", "",
             f"Binary: `{binary}` (debug build: release builds take too long on this machine). "
             "Two cores shared with other work; the clients run on the same machine.", ""]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ident, hub, playlist, samples = latency(browser, server, int(os.environ.get("HLS_BENCH_LATENCY_SECONDS", "30")))
            lines += ["## Glass-to-glass latency (hub's canvas clock → HLS video on a public page, MSE)", ""]
            if samples:
                lines += [f"{len(samples)} frames read: p50 {pct(samples, 50)} ms, p95 {pct(samples, 95)} ms, "
                          f"min {min(samples)} ms, max {max(samples)} ms.", ""]
            else:
                lines += ["No frame could be read.", ""]
            ffmpeg = ffmpeg_of(server)
            folder = server.tmp / "data" / "hls" / str(ident)
            sizes = [f.stat().st_size for f in folder.glob("s-*.m4s")]
            segment_kb = (sum(sizes) / len(sizes) / 1024) if sizes else 0
            lines += ["## Concurrent HLS viewers (asyncio players, keep-alive, one connection each)", "",
                      f"{seconds} s per step, players in {processes} client processes on the same two cores; segments of 2 s, {segment_kb:.0f} KB on average here (H.264 ~700 kbit/s + AAC 64 kbit/s).", "",
                      "| players | requests/s | MB/s | segment lag p50 / p99 (s) | within 2 s | errors | server CPU % | server RSS MB | ffmpeg CPU % | clients' CPU % |",
                      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
            lines += run_steps(port, playlist, steps, seconds, processes, lambda: [server.process.pid], ffmpeg)
            nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
            if nginx and os.environ.get("HLS_BENCH_NGINX", "1") == "1":
                site = Nginx(nginx, server.tmp / "data" / "hls", 18480)
                try:
                    lines += ["", "## The same players against nginx serving the folder (deploy/nginx/musrenbang.conf's two locations)", "",
                              "One nginx worker, sendfile, access log off; the \"server\" columns are nginx's master and worker.", "",
                              "| players | requests/s | MB/s | segment lag p50 / p99 (s) | within 2 s | errors | nginx CPU % | nginx RSS MB | ffmpeg CPU % | clients' CPU % |",
                              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
                    lines += run_steps(18480, playlist, [int(x) for x in os.environ.get("HLS_BENCH_NGINX_STEPS", "800,1600,3200").split(",")],
                                       seconds, processes, site.pids, ffmpeg)
                finally:
                    site.close()
            # The server stops while the program is live: its ffmpeg must go with it.
            server.process.terminate()
            server.process.wait(timeout=30)
            time.sleep(1)
            left = ffmpeg_of(server)
            lines += ["", f"Server stopped (SIGTERM) with the program live: {len(left)} ffmpeg process(es) left."]
            hub.context.close()
            browser.close()
    finally:
        server.close()
    Path(output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
