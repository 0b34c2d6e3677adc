// The public program as HLS (fMP4 segments, H.264 + AAC, from the server's ffmpeg), for viewers
// beyond the server's WebRTC cap or who asked for it (?siaran=hls). Media Source Extensions
// where the browser has them for this codec; else the browser's own HLS (iPhone Safari). MSE
// comes first because desktop Chromium now also says "maybe" to HLS, and its own player starts
// far from the live edge. A minimal player: one media playlist, one SourceBuffer, no ABR.
const MIME = 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"';

function parse(text, base) {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== "#EXTM3U") throw new Error("not a playlist");
  const list = { target: 2, sequence: 0, map: null, segments: [], ended: false };
  for (const line of lines) {
    if (line.startsWith("#EXT-X-TARGETDURATION:")) list.target = Number(line.split(":")[1]) || 2;
    else if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) list.sequence = Number(line.split(":")[1]) || 0;
    else if (line.startsWith("#EXT-X-MAP:")) list.map = new URL(/URI="([^"]+)"/.exec(line)?.[1] ?? "", base).href;
    else if (line.startsWith("#EXT-X-ENDLIST")) list.ended = true;
    else if (line && !line.startsWith("#")) list.segments.push({ url: new URL(line, base).href, sequence: list.sequence + list.segments.length });
  }
  return list;
}

async function fetchBytes(url, signal) {
  const response = await fetch(url, { signal, cache: "no-store" });
  if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
  return new Uint8Array(await response.arrayBuffer());
}

export function canPlayHls(video) {
  return (window.MediaSource?.isTypeSupported(MIME) ?? false) || video.canPlayType("application/vnd.apple.mpegurl") !== "";
}

// Plays `url` in `video` until `close()`. `onGone` is called when the playlist disappears
// (the program ended) or cannot be played.
export function playHls(video, url, { onGone = () => {} } = {}) {
  const controller = new AbortController();
  const { signal } = controller;
  const start = () => video.play().catch(() => {
    // Autoplay with sound needs a gesture: start muted, the viewer unmutes with the controls.
    video.muted = true;
    return video.play().catch(() => {});
  });
  video.controls = true;
  if (!(window.MediaSource?.isTypeSupported(MIME))) {
    if (video.canPlayType("application/vnd.apple.mpegurl") === "") { onGone(new Error("unsupported")); return { close() {} }; }
    video.src = url;
    video.addEventListener("error", () => onGone(video.error), { signal });
    start();
    return { close() { controller.abort(); video.removeAttribute("src"); video.load(); } };
  }

  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  let closed = false;
  const appended = (buffer, bytes) => new Promise((resolve, reject) => {
    buffer.addEventListener("updateend", resolve, { once: true });
    buffer.addEventListener("error", reject, { once: true });
    buffer.appendBuffer(bytes);
  });
  const removed = (buffer, from, to) => new Promise((resolve) => {
    buffer.addEventListener("updateend", resolve, { once: true });
    buffer.remove(from, to);
  });

  async function run() {
    await new Promise((resolve) => source.addEventListener("sourceopen", resolve, { once: true }));
    const buffer = source.addSourceBuffer(MIME);
    let next = null;
    let map = null;
    let failures = 0;
    while (!closed) {
      let list;
      try {
        const response = await fetch(url, { signal, cache: "no-store" });
        if (response.status === 404) { onGone(new Error("ended")); return; }
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        list = parse(await response.text(), response.url);
        failures = 0;
      } catch (error) {
        if (closed) return;
        if (++failures > 5) { onGone(error); return; }
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      // A restarted packager names a new init segment: its timestamps start again, so the
      // player starts again too.
      if (map !== null && list.map !== map) { onGone(new Error("restarted")); return; }
      const last = list.segments.at(-1)?.sequence ?? -1;
      // Start two segments from the live edge; skip ahead if we fell out of the window.
      if (next === null || next < list.sequence) next = Math.max(list.sequence, last - 1);
      try {
        if (map === null && list.map) { await appended(buffer, await fetchBytes(list.map, signal)); map = list.map; }
        for (const segment of list.segments) {
          if (closed || segment.sequence < next) continue;
          await appended(buffer, await fetchBytes(segment.url, signal));
          next = segment.sequence + 1;
          const ranges = video.buffered;
          if (ranges.length) {
            const begin = ranges.start(0), end = ranges.end(ranges.length - 1);
            // Behind the buffer (first segment) or far behind the edge (a stall): catch up.
            if (video.currentTime < begin || end - video.currentTime > list.target * 4) video.currentTime = Math.max(begin, end - list.target * 1.5);
            if (video.paused) start();
            // Keep about half a minute: a phone's memory is small.
            if (video.currentTime - begin > 30) await removed(buffer, begin, video.currentTime - 10);
          }
        }
      } catch (error) {
        if (closed) return;
        // A segment deleted before we got to it: the next playlist tells where the window is.
        if (error.status !== 404) { onGone(error); return; }
      }
      await new Promise((r) => setTimeout(r, list.target * 1000));
    }
  }
  run().catch((error) => { if (!closed) onGone(error); });
  return {
    close() {
      closed = true;
      controller.abort();
      try { if (source.readyState === "open") source.endOfStream(); } catch { /* already closed */ }
      URL.revokeObjectURL(video.src);
      video.removeAttribute("src");
      video.load();
    },
  };
}
