// The control room on one screen: the big panel shows the villages' tiles, the monitoring wall or
// the table (links work without scripts: ?view=…); a tile opens its village's detail in place.
import { t, locale } from "./i18n.js";

const room = document.querySelector(".control");
const panels = { overview: "villages", wall: "wall", table: "table" };

function show(view) {
  for (const [name, panel] of Object.entries(panels)) {
    const element = room.querySelector(`[data-panel="${panel}"]`);
    if (element) element.hidden = name !== view;
  }
  for (const link of room.querySelectorAll("[data-view-link]")) {
    if (link.dataset.viewLink === view) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  room.dataset.view = view;
  const param = { overview: "ringkasan", wall: "dinding", table: "tabel" }[view];
  history.replaceState(null, "", `${location.pathname}?view=${param}`);
}

const detail = document.getElementById("village-detail");

function clock(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta" });
}

// Built with DOM nodes, never HTML strings: names come from data.
function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

async function open(code, tile) {
  const response = await fetch(`${detail.dataset.detailBase}/${code}/figures`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const s = await response.json();
  detail.replaceChildren();
  const head = element("h3", s.name, { id: "detail-title" });
  const close = element("button", t("closeDetail"), { type: "button", class: "secondary small" });
  close.addEventListener("click", () => { detail.hidden = true; tile?.focus(); });
  head.append(" ", close);
  const facts = element("p", t("detailFacts", s.stageName, s.attendance, s.women, s.men, s.proposals, clock(s.lastHeartbeat)));
  const roles = element("ul", undefined, { "aria-label": t("byConstituency"), class: "roles" });
  for (const role of s.byRole) roles.append(element("li", `${role.name}: ${role.count}`));
  const link = element("a", t("openConsole"), { href: s.consoleUrl });
  detail.append(head, facts, roles, link);
  detail.setAttribute("aria-labelledby", "detail-title");
  detail.hidden = false;
  detail.dataset.village = code;
}

if (room) {
  for (const link of room.querySelectorAll("[data-view-link]")) {
    link.addEventListener("click", (event) => { event.preventDefault(); show(link.dataset.viewLink); });
  }
  room.querySelector("#tiles")?.addEventListener("click", (event) => {
    const tile = event.target.closest(".tile");
    if (!tile || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    open(tile.dataset.village, tile);
  });
  detail.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { detail.hidden = true; room.querySelector(`.tile[data-village="${detail.dataset.village}"]`)?.focus(); }
  });
  // Live updates re-read an open detail.
  document.addEventListener("mb:summary", () => { if (!detail.hidden && detail.dataset.village) open(detail.dataset.village); });
}
