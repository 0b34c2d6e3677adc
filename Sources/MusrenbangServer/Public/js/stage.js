// The video part of three pages: a village console (sees the stage, sends its camera to the
// control room's wall, and to the stage while it holds the floor), the control room (the hub's
// camera, the stage, the wall 25 at a time) and the public page (the program, no login).
import { publish, receive, follow, quality, links } from "./media.js";
import { t } from "./i18n.js";
import { playHls } from "./hls.js";

const root = document.querySelector("[data-media]");
const $ = (name) => root?.querySelector(`[data-${name}]`);

function tile(container, key, name) {
  let figure = container.querySelector(`figure[data-feed="${key}"]`);
  if (!figure) {
    figure = document.createElement("figure");
    figure.dataset.feed = key;
    const video = Object.assign(document.createElement("video"), { autoplay: true, playsInline: true });
    video.setAttribute("aria-label", name);
    figure.append(video, document.createElement("figcaption"));
    container.append(figure);
  }
  figure.querySelector("figcaption").textContent = name;
  return figure.querySelector("video");
}

// What a view shows follows the state; it joins again when the set of feeds or Janus's epoch
// changes, or when its connection failed, waiting 1, 2, 4… 30 s between failed attempts.
class View {
  constructor(container, status, join) {
    Object.assign(this, { container, status, join, links: [], key: null, delay: 1000, notBefore: 0 });
  }
  say(text) { if (this.status) this.status.textContent = text; }
  drop() { for (const link of this.links) link.close(); this.links = []; this.key = null; }
  get broken() { return this.links.some((l) => l.dead); }
  async show(key, feeds, empty) {
    if (key === this.key && !this.broken) return;
    if (Date.now() < this.notBefore) return;
    this.drop();
    for (const figure of this.container.querySelectorAll("figure[data-feed]")) {
      if (!feeds.some((f) => String(f.feed) === figure.dataset.feed)) figure.remove();
    }
    if (feeds.length === 0) { this.say(empty); return; }
    try {
      this.links = await this.join(feeds, (feed, stream, link, mid) => {
        const video = tile(this.container, feed.feed, feed.name);
        if (video.srcObject !== stream) video.srcObject = stream;
        // Which connection and m-lines feed this tile: the quality meter and the tests read them.
        const figure = video.parentElement;
        const mids = figure.dataset.peer === link.peer ? (figure.dataset.mids ?? "").split(",").filter(Boolean) : [];
        figure.dataset.peer = link.peer;
        figure.dataset.mids = [...new Set([...mids, mid])].join(",");
      });
      this.key = key;
      this.full = false;
      this.delay = 1000;
      this.say(t("connected"));
    } catch (error) {
      this.drop();
      // A full server says when to come back (Retry-After); otherwise wait longer each time.
      this.notBefore = Date.now() + Math.max(this.delay, (error.retryAfter ?? 0) * 1000);
      this.delay = Math.min(this.delay * 2, 30000);
      // The server's WebRTC viewers are all taken: the public page turns to HLS.
      this.full = error.code === "media.full";
      this.say(error.code === "media.unavailable" ? t("videoDownRetrying") : t("connectFailed", error.message));
    }
  }
  off(text) { this.drop(); this.container.replaceChildren(); this.say(text); }
}

// Tracks arrive one m-line at a time: each feed's tracks go into one stream, shown in its tile.
function collector(show) {
  const streams = new Map();
  return (feed, event, link) => {
    if (!streams.has(feed.feed)) streams.set(feed.feed, new MediaStream());
    streams.get(feed.feed).addTrack(event.track);
    show(feed, streams.get(feed.feed), link, event.transceiver.mid);
  };
}

// One subscription carrying several feeds: the server says which mid belongs to which feed.
function subscription(assembly, room, audioOnly = () => false, villageCode = undefined) {
  return async (feeds, show) => {
    const add = collector(show);
    const byFeed = new Map(feeds.map((f) => [f.feed, f]));
    let mids = {};
    const link = await receive(assembly, { room, villageCode, feeds: feeds.map((f) => f.feed), audioOnly: audioOnly() }, (event, link) => {
      const feed = byFeed.get(mids[event.transceiver.mid]);
      if (feed) add(feed, event, link);
    }, (offered) => { mids = Object.fromEntries(offered.streams.map((s) => [s.mid, s.feed])); });
    return [link];
  };
}

if (root) {
  const assembly = root.dataset.assembly;
  const role = root.dataset.role;
  const village = root.dataset.village;
  const status = $("media-status");
  const audioBox = $("audio-only");
  const audioOnly = () => audioBox?.checked ?? false;
  if (audioBox) {
    audioBox.checked = localStorage.getItem("mb-audio-only") === "1";
    audioBox.addEventListener("change", () => { localStorage.setItem("mb-audio-only", audioBox.checked ? "1" : "0"); read(); });
  }
  const stage = new View($("stage-view"), status, role === "public"
    ? (feeds, show) => {
      const add = collector(show);
      return Promise.all(feeds.map((f) => receive(assembly, { mountpoint: f.mountpoint }, (event, link) => add(f, event, link))));
    }
    : subscription(assembly, "stage", audioOnly, village));
  const wall = $("wall-view") ? new View($("wall-view"), $("wall-status"), subscription(assembly, "wall")) : null;
  let page = 0;
  let camera = null;
  const sending = { stage: null, wall: null };
  let epoch = null;
  let last = null;
  // The public page's program as HLS: when WebRTC has no room on this server, or asked for.
  const forceHls = role === "public" && new URLSearchParams(location.search).get("siaran") === "hls";
  const mode = $("program-mode");
  const hls = { player: null, url: null, notBefore: 0 };
  function stopHls() {
    hls.player?.close();
    hls.player = null; hls.url = null;
    stage.container.querySelector('figure[data-feed="program"]')?.remove();
  }
  function showProgram(state) {
    const url = state.program?.hls;
    if (!url) {
      stopHls();
      stage.say(forceHls ? t("programNotYet") : t("nothingOnStage"));
      return;
    }
    if (hls.url === url && hls.player) return;
    if (Date.now() < hls.notBefore) return;
    stopHls();
    stage.drop();
    for (const figure of stage.container.querySelectorAll("figure[data-feed]")) figure.remove();
    const hub = state.stage.find((f) => f.label === "hub");
    const video = tile(stage.container, "program", hub?.name ?? t("programHls"));
    hls.url = url;
    hls.player = playHls(video, url, { onGone: () => { stopHls(); hls.notBefore = Date.now() + 3000; } });
    root.dataset.program = "hls";
    if (mode) mode.textContent = t("programHls");
    stage.say(t("connected"));
  }

  async function send(room, wanted, label) {
    const link = sending[room];
    if (link && (!wanted || link.dead)) { link.close(); sending[room] = null; }
    if (!wanted || sending[room] || !camera) return;
    try {
      sending[room] = await publish(assembly, { villageCode: label, room, stream: camera, audioOnly: room === "stage" && audioOnly(), wall: room === "wall" });
      if (room === "stage") $("stage-send-status").textContent = t("onAir");
    } catch (error) {
      if (room !== "stage") return;
      $("stage-send-status").textContent = error.code === "media.noFloor" || error.code === "media.refusedByJanus"
        ? t("noFloorYet") : t("cameraNotSent", error.message);
    }
  }

  // The floor's forms are rendered by the server (with their CSRF tokens): when the queue or the
  // stage changed, the section is read again from the server instead of being rebuilt here.
  let floorSeen = null;
  async function refreshFloor(floor) {
    // A console only follows its own village (a topic being typed must not vanish).
    const mine = (list) => list.filter((x) => role === "control" || x.villageCode === village);
    const seen = JSON.stringify([mine(floor.queue).map((q) => q.villageCode), mine(floor.stage).map((s) => [s.villageCode, s.muted])]);
    // The control room shows the queue and, in the stage panel, who is on stage now.
    const sections = (role === "control" ? ["lantai", "di-panggung"] : ["bicara"]).map((id) => document.getElementById(id)).filter(Boolean);
    if (floorSeen !== null && seen !== floorSeen && sections.length) {
      const response = await fetch(location.pathname, { headers: { Accept: "text/html" } });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const section of sections) {
        const fresh = page.getElementById(section.id);
        if (response.ok && fresh) section.innerHTML = fresh.innerHTML;
      }
    }
    floorSeen = seen;
  }

  async function update(state, floor) {
    last = [state, floor];
    if (role !== "public") await refreshFloor(floor).catch(() => {});
    if (!state.configured || !state.available) {
      for (const room of ["stage", "wall"]) { sending[room]?.close(); sending[room] = null; }
      const text = state.configured ? t("videoDown") : t("videoNotConfigured");
      if (role === "public") stopHls();
      stage.off(text); wall?.off(text);
      return;
    }
    if (epoch !== null && epoch !== state.epoch) {
      // Janus restarted: every connection made before is dead.
      for (const room of ["stage", "wall"]) { sending[room]?.close(); sending[room] = null; }
      stage.drop(); wall?.drop();
    }
    epoch = state.epoch;
    const me = role === "console" ? village : "hub";
    const onStage = role === "control" || floor.stage.some((s) => s.villageCode === village);
    if (role !== "public") {
      const present = state.stage.some((f) => f.label === me);
      if (sending.stage && !present && sending.stage.pc.connectionState === "connected") { sending.stage.close(); sending.stage = null; }
      if (sending.stage && !onStage) $("stage-send-status").textContent = "";
      await send("stage", onStage, me);
      // The wall's small picture is the first thing a weak link gives up.
      if (role === "console") await send("wall", !audioOnly(), village);
    }
    // A viewer stays with what it has: a WebRTC viewer is itself one of the viewers counted when
    // the server says there is no more room, and a switch would interrupt the program.
    const onWebrtc = stage.key !== null && !stage.broken;
    const url = state.program?.hls;
    if (role === "public" && (forceHls || (url && (hls.player || (!onWebrtc && (!state.program.webrtc || stage.full)))))) {
      showProgram(state);
      return;
    }
    if (role === "public") {
      stopHls();
      root.dataset.program = "webrtc";
      if (mode) mode.textContent = t("programWebrtc");
    }
    const others = state.stage.filter((f) => role === "public" ? f.mountpoint : f.label !== me);
    const key = `${state.epoch}|${audioOnly()}|${others.map((f) => f.feed).join(",")}`;
    await stage.show(key, others, t("nothingOnStage"));
    if (wall) {
      const pages = Math.max(1, Math.ceil(state.wall.length / 25));
      page = Math.min(page, pages - 1);
      const shown = state.wall.slice(page * 25, page * 25 + 25);
      $("wall-page").textContent = t("wallPage", page + 1, pages, state.wall.length);
      await wall.show(`${state.epoch}|${shown.map((f) => f.feed).join(",")}`, shown, t("wallEmpty"));
    }
    const position = $("floor-position");
    if (position && role === "console") {
      const waiting = floor.queue.find((q) => q.villageCode === village);
      const speaking = floor.stage.find((s) => s.villageCode === village);
      position.textContent = speaking ? t("onStageLeft", speaking.secondsLeft) + (speaking.warned ? t("timeAlmostUp") : "") + (speaking.muted ? t("mutedSuffix") : "")
        : waiting ? t("queueNumber", waiting.position) : "";
    }
  }

  const read = follow(assembly, update);
  const start = $("camera-start");
  async function cameraOn() {
    try {
      camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480, frameRate: 20 } });
      const preview = $("preview");
      if (preview) { preview.srcObject = camera; preview.hidden = false; }
      start.hidden = true;
      // After a reload (a form sent, a lost link) the camera comes back on by itself.
      sessionStorage.setItem(`mb-camera-${assembly}`, "1");
      read();
    } catch (error) {
      $("stage-send-status").textContent = t("cameraFailed", error.message);
    }
  }
  start?.addEventListener("click", cameraOn);
  if (start && sessionStorage.getItem(`mb-camera-${assembly}`) === "1") cameraOn();
  $("wall-prev")?.addEventListener("click", () => { page = Math.max(0, page - 1); if (last) update(...last); });
  $("wall-next")?.addEventListener("click", () => { page += 1; if (last) update(...last); });
  const meter = $("quality");
  if (meter) setInterval(async () => { meter.textContent = links.size ? await quality(links) : "—"; }, 3000);
}
