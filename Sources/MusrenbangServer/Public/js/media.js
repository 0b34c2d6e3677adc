// Live video of an assembly. The browser never talks to the media server's API: it hands its
// SDP to our server, which checks the floor and answers for Janus. Each view keeps itself in
// step with the page's one live stream (events.js): when feeds change, or Janus comes back after a restart, it joins again; a
// connection that fails rejoins with back-off. No framework, one file.
import { t } from "./i18n.js";
import { liveEvents } from "./events.js";
const csrf = document.querySelector('input[name="_csrf"]')?.value;

// `viewer`: the key the server gave a public viewer's connection; only it may answer or close it.
async function call(method, path, body, viewer) {
  const headers = { Accept: "application/json" };
  if (viewer) headers["X-Media-Viewer"] = viewer;
  if (csrf) headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw Object.assign(new Error(data.error?.message ?? response.statusText),
      { status: response.status, code: data.error?.code, retryAfter: Number(response.headers.get("Retry-After")) || 0 });
  }
  return data;
}

// Non-trickle: the full SDP once ICE gathering ends (host candidates only, so it is quick).
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === "complete") { pc.removeEventListener("icegatheringstatechange", done); resolve(); } };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, 2500);
  });
}

function local(pc) { return { type: pc.localDescription.type, sdp: pc.localDescription.sdp }; }

export const links = new Set();
window.mbMedia = { links };

// One peer connection set up through the server; `peer` is its id there.
class Link {
  constructor(name) {
    this.name = name; this.pc = new RTCPeerConnection(); this.peer = null; this.viewer = undefined; this.downSince = null;
    links.add(this);
    this.pc.addEventListener("connectionstatechange", () => {
      this.downSince = this.pc.connectionState === "disconnected" ? (this.downSince ?? Date.now()) : null;
    });
  }
  // Failed, closed, or cut off for more than 8 s (a network cut): time to join again.
  get dead() {
    return ["failed", "closed"].includes(this.pc.connectionState) || (this.downSince !== null && Date.now() - this.downSince > 8000);
  }
  close() {
    links.delete(this);
    this.pc.close();
    if (this.peer) call("DELETE", `/api/v1/media/peers/${this.peer}`, undefined, this.viewer).catch(() => {});
  }
}

export async function publish(assembly, { villageCode, room, stream, audioOnly, wall }) {
  const link = new Link(`publish:${room}:${villageCode}`);
  try {
    for (const track of stream.getAudioTracks()) if (!wall) link.pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
    for (const track of stream.getVideoTracks()) {
      if (audioOnly) continue;
      // The monitoring wall needs only a small, slow picture of the room.
      const sendEncodings = wall ? [{ scaleResolutionDownBy: 4, maxBitrate: 80000, maxFramerate: 5 }] : [{ maxBitrate: 500000 }];
      link.pc.addTransceiver(track, { direction: "sendonly", streams: [stream], sendEncodings });
    }
    await link.pc.setLocalDescription(await link.pc.createOffer());
    await gathered(link.pc);
    const { peer, answer } = await call("POST", `/api/v1/assemblies/${assembly}/media/publish`, { villageCode, room, offer: local(link.pc) });
    link.peer = peer;
    await link.pc.setRemoteDescription(answer);
    return link;
  } catch (error) { link.close(); throw error; }
}

// A subscription (stage or wall feeds) or a public viewer of one mountpoint.
export async function receive(assembly, request, onTrack, onOffered) {
  const link = new Link(request.mountpoint ? `watch:${request.mountpoint}` : `subscribe:${request.room}`);
  try {
    link.pc.ontrack = (event) => onTrack(event, link);
    const path = request.mountpoint ? "watch" : "subscribe";
    const offered = await call("POST", `/api/v1/assemblies/${assembly}/media/${path}`, request);
    const { peer, offer, viewer } = offered;
    link.peer = peer;
    link.viewer = viewer;
    onOffered?.(offered);
    await link.pc.setRemoteDescription(offer);
    await link.pc.setLocalDescription(await link.pc.createAnswer());
    await gathered(link.pc);
    await call("POST", `/api/v1/media/peers/${peer}/answer`, { answer: local(link.pc) }, viewer);
    return link;
  } catch (error) { link.close(); throw error; }
}

// Connection quality from getStats: round-trip time and the share of lost packets.
export async function quality(links) {
  let rtt = 0, lost = 0, received = 0;
  for (const link of links) {
    const stats = await link.pc.getStats();
    stats.forEach((s) => {
      if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime) rtt = Math.max(rtt, s.currentRoundTripTime);
      if (s.type === "inbound-rtp") { lost += s.packetsLost || 0; received += s.packetsReceived || 0; }
      if (s.type === "remote-inbound-rtp" && s.roundTripTime) rtt = Math.max(rtt, s.roundTripTime);
    });
  }
  const loss = received + lost > 0 ? lost / (received + lost) : 0;
  if (rtt > 0.6 || loss > 0.08) return t("qualityPoor");
  if (rtt > 0.25 || loss > 0.02) return t("qualityFair");
  return t("qualityGood");
}

// Reads /media and /floor when the live stream says they changed, and on a slow tick; one
// reading at a time, and one more if something changed meanwhile.
export function follow(assembly, onChange) {
  let running = false, again = false, pending;
  const read = async () => {
    pending = undefined;
    if (running) { again = true; return; }
    running = true;
    try {
      const [media, floor] = await Promise.all([call("GET", `/api/v1/assemblies/${assembly}/media`),
        call("GET", `/api/v1/assemblies/${assembly}/floor`)]);
      await onChange(media, floor);
    } catch { /* the next event or tick tries again */ }
    running = false;
    if (again) { again = false; read(); }
  };
  liveEvents(assembly).on(["media", "floor", "stage"], () => { pending ??= setTimeout(read, 150); });
  setInterval(read, 5000);
  read();
  return read;
}
