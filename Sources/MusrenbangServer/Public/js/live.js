// Live figures of an assembly: the page's one live stream (events.js: it resumes after a cut
// from the last event seen), and on each burst of events one fetch of the summary.
import { t, locale } from "./i18n.js";
import { liveEvents } from "./events.js";
const root = document.querySelector("[data-live]");
const table = document.getElementById("villages");
const tiles = document.getElementById("tiles");
const id = root?.dataset.live;

const stageName = (stage) => t(`stage.${stage}`);
let pending;
let filter = "";

function set(name, value) {
  for (const element of document.querySelectorAll(`[data-counter="${name}"]`)) element.textContent = String(value);
}

function clock(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta" });
}

function applyFilter() {
  for (const item of document.querySelectorAll("tr[data-village], .tile[data-village]")) {
    const show = filter === "" ||
      (filter === "notStarted" && item.dataset.stage === "scheduled") ||
      (filter === "silent" && item.dataset.silent === "true") ||
      (filter === "noWomen" && item.dataset.nowomen === "true");
    item.hidden = !show;
  }
}

// A village's tile: coloured by stage, marked when silent or without women, its count.
function updateTile(v) {
  const tile = tiles?.querySelector(`.tile[data-village="${v.villageCode}"]`);
  if (!tile) return;
  tile.className = `tile st-${v.stage}`;
  tile.dataset.stage = v.stage;
  tile.dataset.silent = String(v.silent);
  tile.dataset.nowomen = String(v.attendance > 0 && v.women === 0);
  tile.querySelector('[data-cell="attendance"]').textContent = String(v.attendance);
  tile.setAttribute("aria-label", t("tileLabel", tile.title, stageName(v.stage), v.attendance));
}

async function refresh() {
  pending = undefined;
  const response = await fetch(`/api/v1/assemblies/${id}/summary`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const s = await response.json();
  set("villages", s.villages.total);
  set("started", s.villages.total - s.villages.notStarted);
  set("closed", s.villages.closed);
  set("silent", s.villages.silent);
  set("attendance", s.attendance.total);
  set("women", s.attendance.women);
  set("womenShare", s.attendance.total ? Math.round((100 * s.attendance.women) / s.attendance.total) : 0);
  set("proposals", s.proposals.total);
  set("supports", s.supports);
  const stage = document.getElementById("stage");
  if (stage) stage.textContent = stageName(s.stage);
  for (const v of s.perVillage) updateTile(v);
  document.dispatchEvent(new CustomEvent("mb:summary"));
  if (!table) { applyFilter(); return; }
  for (const v of s.perVillage) {
    const row = table.querySelector(`tr[data-village="${v.villageCode}"]`);
    if (!row) continue;
    const share = v.attendance ? Math.round((100 * v.women) / v.attendance) : 0;
    row.dataset.stage = v.stage;
    row.dataset.silent = String(v.silent);
    row.dataset.nowomen = String(v.attendance > 0 && v.women === 0);
    row.querySelector('[data-cell="stage"]').textContent = stageName(v.stage);
    row.querySelector('[data-cell="attendance"]').textContent = String(v.attendance);
    const women = row.querySelector('[data-cell="women"]');
    women.textContent = `${v.women} (${share}%)`;
    women.classList.toggle("warn", v.attendance > 0 && v.women === 0);
    row.querySelector('[data-cell="proposals"]').textContent = String(v.proposals);
    const heartbeat = row.querySelector('[data-cell="heartbeat"]');
    heartbeat.textContent = clock(v.lastHeartbeat);
    heartbeat.classList.toggle("warn", v.silent);
  }
  applyFilter();
}

// The control room's close-out counts and column: their own read (they are for the hub, not the public summary).
const closeOuts = document.querySelector("[data-closeouts]");
let pendingCloseOuts;

async function refreshCloseOuts() {
  pendingCloseOuts = undefined;
  const response = await fetch(`/api/v1/assemblies/${closeOuts.dataset.closeouts}/close-outs`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const o = await response.json();
  for (const [name, value] of Object.entries(o.counts)) {
    for (const element of document.querySelectorAll(`[data-closeout-count="${name}"]`)) element.textContent = String(value);
  }
  for (const station of o.stations) {
    const cell = table?.querySelector(`tr[data-village="${station.villageCode}"] [data-cell="closeout"]`);
    if (!cell) continue;
    cell.dataset.closeout = station.state ?? "";
    cell.dataset.flagged = String(station.flagged);
    cell.textContent = (station.state ? t(`closeOut.${station.state}`) : "—") + (station.flagged ? ` · ${t("closeOutFlagged")}` : "");
    cell.classList.toggle("warn", station.flagged);
  }
}

if (id && closeOuts) {
  liveEvents(id).on(["closeout", "session"], () => { pendingCloseOuts ??= setTimeout(refreshCloseOuts, 300); });
}

if (id) {
  const later = () => { pending ??= setTimeout(refresh, 300); };
  liveEvents(id).on(["stage", "session", "attendance", "proposal", "question", "ranking"], later).onOpen(later);
  // Silence is news too: re-read every 30 s so "tanpa kabar" villages show up.
  setInterval(refresh, 30000);
}

for (const button of document.querySelectorAll("[data-filter]")) {
  button.addEventListener("click", () => {
    filter = button.dataset.filter;
    for (const other of document.querySelectorAll("[data-filter]")) other.setAttribute("aria-pressed", String(other === button));
    applyFilter();
  });
}

// Polls (jajak pendapat). A new answer changes only numbers: they are read from the polls' JSON
// and written into the bars. A poll opened or closed changes the forms, which the server draws
// with their CSRF tokens: the section is then read again from the page, like the floor's.
const pollSections = [...document.querySelectorAll("[data-polls][id]")];

function setPoll(name, key, value) {
  for (const element of document.querySelectorAll(`[data-poll-${name}="${key}"]`)) {
    if (element.tagName === "PROGRESS") element.value = value; else element.textContent = String(value);
  }
}

async function recount(assembly) {
  const response = await fetch(`/api/v1/assemblies/${assembly}/polls`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const { items } = await response.json();
  for (const poll of items) {
    const card = document.querySelector(`[data-poll="${poll.id}"]`);
    if (!card || card.dataset.pollStatus !== poll.status) return reread();
    setPoll("total", poll.id, poll.total);
    setPoll("offices", poll.id, poll.officesAnswered);
    setPoll("present", poll.id, poll.officesPresent);
    for (const option of poll.options) {
      setPoll("count", `${poll.id}:${option.id}`, option.count);
      setPoll("percent", `${poll.id}:${option.id}`, option.percent);
      for (const bar of document.querySelectorAll(`[data-poll-bar="${poll.id}:${option.id}"]`)) bar.max = Math.max(poll.total, 1);
      setPoll("bar", `${poll.id}:${option.id}`, option.count);
    }
  }
}

async function reread() {
  const response = await fetch(location.pathname + location.search, { headers: { Accept: "text/html" }, cache: "no-store" });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const section of pollSections) {
    const fresh = page.getElementById(section.id);
    if (!fresh) continue;
    section.innerHTML = fresh.innerHTML;
    // A console whose poll section is folded opens it when there is a poll to answer.
    if (section.querySelector("[data-poll-answerable]")) section.closest("details")?.setAttribute("open", "");
  }
}

if (pollSections.length) {
  const assembly = pollSections[0].dataset.polls;
  let counting, drawing;
  const later = (event) => {
    let change = "";
    try { change = JSON.parse(event?.data ?? "{}").change ?? ""; } catch { change = ""; }
    if (change === "answered") counting ??= setTimeout(() => { counting = undefined; recount(assembly).catch(() => {}); }, 300);
    else drawing ??= setTimeout(() => { drawing = undefined; reread().catch(() => {}); }, 300);
  };
  // What changed between drawing the page and the stream's first answer is read then, cheaply.
  liveEvents(assembly).on("poll", later).onOpen(() => later({ data: '{"change":"answered"}' }));
}
