// The village desk keeps working when the link drops. While offline, a check-in or a question is
// not posted but kept in this browser (IndexedDB), with the idempotency key made when the button
// was pressed; when the link returns the outbox goes out in order, by itself, with back-off.
// Each item ends sent (and is then erased, its NIK with it) or refused with the server's reason,
// for the operator to correct or remove. A reload, or a browser closed in the middle, loses
// nothing: an item is erased only after the server answered, and a repeat is harmless (a
// check-in counts once per person; other writes carry their Idempotency-Key).
import { t } from "./i18n.js";

const panel = document.querySelector("[data-outbox]");
const csrf = document.querySelector('input[name="_csrf"]')?.value ?? "";

const DB_NAME = "musrenbang-outbox";
const STORE = "items";

function database() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "key" });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

async function transact(mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const result = work(transaction.objectStore(STORE));
    transaction.oncomplete = () => { db.close(); resolve(result?.result); };
    transaction.onerror = () => { db.close(); reject(transaction.error); };
  });
}

const putItem = (item) => transact("readwrite", (store) => store.put(item));
const removeItem = (key) => transact("readwrite", (store) => store.delete(key));
// This console's items, oldest first (the order the desk entered them).
async function items() {
  const all = (await transact("readonly", (store) => store.getAll())) ?? [];
  return all.filter((item) => item.assembly === panel.dataset.assembly && item.village === panel.dataset.village)
    .sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
}

// A NIK is shown masked, as everywhere else: the first six digits (the kecamatan) and the last four.
const masked = (key) => /^\d{16}$/.test(key) ? `${key.slice(0, 6)}******${key.slice(12)}` : key;

// What each form becomes in the API (docs/api.md): the form's names are the console's contract.
const kinds = {
  checkIn(form) {
    const data = new FormData(form);
    const key = (data.get("key") ?? "").trim();
    const isCode = key.includes("-");
    const body = {
      villageCode: panel.dataset.village, role: data.get("role"), gender: data.get("gender"),
      nameConsent: data.get("nameConsent") === "1",
      ...(isCode ? { code: key } : { nik: key }),
    };
    const name = (data.get("name") ?? "").trim(), residence = (data.get("residence") ?? "").trim();
    if (name) body.name = name;
    if (residence) body.residenceVillageCode = residence;
    return { url: `/api/v1/assemblies/${panel.dataset.assembly}/attendance`, body, label: t("outboxCheckIn", `${masked(key)}${name ? ` · ${name}` : ""}`) };
  },
  question(form) {
    const data = new FormData(form);
    const text = (data.get("body") ?? "").trim();
    return {
      url: `/api/v1/assemblies/${panel.dataset.assembly}/questions`,
      body: { body: text, villageCode: panel.dataset.village },
      label: t("outboxQuestion", text.length > 60 ? `${text.slice(0, 60)}…` : text),
    };
  },
};

let sequence = 0;
let retryTimer = null;
let attempts = 0;
let note = "";

// The item a form becomes, read at once (the form is cleared for the next person right after).
function entry(kind, form) {
  return {
    key: crypto.randomUUID(), kind, assembly: panel.dataset.assembly, village: panel.dataset.village,
    createdAt: Date.now(), seq: sequence++, state: "waiting", form: Object.fromEntries(new FormData(form)), ...kinds[kind](form),
  };
}

// Puts a waiting or refused item back into its form, and out of the outbox, to be sent again.
async function edit(item) {
  const form = document.querySelector(`form[data-outbox-kind="${item.kind}"]`);
  if (!form) return;
  for (const [name, value] of Object.entries(item.form)) {
    if (name === "_csrf") continue;
    for (const field of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      if (field.type === "radio") field.checked = field.value === value;
      else if (field.type === "checkbox") field.checked = value === field.value;
      else field.value = value;
    }
  }
  await removeItem(item.key);
  form.closest("details")?.setAttribute("open", "");
  form.querySelector("input:not([type=hidden]), textarea")?.focus();
  render();
}

// One item to the server: "sent", "refused" (with the reason, in the page's language), or
// "later" (no link, the server busy, the session ended) with the seconds to wait, if told.
async function send(item) {
  let response;
  try {
    response = await fetch(item.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": item.key },
      body: JSON.stringify(item.body),
    });
  } catch {
    return { result: "later" };
  }
  if (response.ok) return { result: "sent" };
  if (response.status === 401) return { result: "later", login: true };
  if (response.status === 429 || response.status >= 500 || response.status === 408) {
    return { result: "later", wait: Number(response.headers.get("Retry-After")) || undefined };
  }
  let reason = `HTTP ${response.status}`;
  try { reason = (await response.json()).error?.message ?? reason; } catch { /* the status says enough */ }
  return { result: "refused", reason };
}

async function drainOnce() {
  let sent = 0;
  for (const item of await items()) {
    if (item.state !== "waiting") continue;
    const outcome = await send(item);
    if (outcome.result === "sent") {
      await removeItem(item.key);  // the NIK leaves the browser with it
      sent++;
    } else if (outcome.result === "refused") {
      await putItem({ ...item, state: "refused", reason: outcome.reason });
    } else {
      return { sent, later: outcome };  // in order: nothing overtakes a waiting item
    }
    render();
  }
  return { sent };
}

let draining = false;
async function drain() {
  if (draining || !navigator.onLine) return;
  draining = true;
  clearTimeout(retryTimer);
  try {
    // One tab at a time sends this browser's outbox.
    const run = () => drainOnce();
    const { sent, later } = navigator.locks ? await navigator.locks.request("musrenbang-outbox", run) : await run();
    if (later) {
      attempts++;
      const wait = Math.min(60, later.wait ?? 2 ** Math.min(attempts, 6));
      note = later.login ? t("outboxLogin") : t("outboxRetry", wait);
      retryTimer = setTimeout(drain, wait * 1000);
    } else {
      attempts = 0;
      note = sent ? t("outboxSentNow", sent) : "";
    }
  } finally {
    draining = false;
    render();
  }
}

function age(seconds) {
  if (seconds < 60) return t("seconds", seconds);
  if (seconds < 3600) return t("minutes", Math.floor(seconds / 60));
  return t("hours", Math.floor(seconds / 3600));
}

async function render() {
  const list = await items();
  const waiting = list.filter((item) => item.state === "waiting");
  const refused = list.filter((item) => item.state === "refused");
  const offline = !navigator.onLine;
  const status = panel.querySelector("[data-outbox-status]");
  const count = document.createElement("span");
  count.dataset.outboxCount = String(waiting.length);
  count.textContent = String(waiting.length);
  const template = waiting.length === 0 ? (offline ? t("outboxOffline", "{0}") : t("outboxAllSent"))
    : offline ? t("outboxOffline", "{0}") : draining ? t("outboxSending", "{0}") : t("outboxWaiting", "{0}");
  const [before, after = ""] = template.split("{0}");
  status.replaceChildren(before, ...(template.includes("{0}") ? [count, after] : [Object.assign(count, { hidden: true })]));
  if (refused.length) status.append(" ", t("outboxRefusedCount", refused.length));
  if (note && !offline) status.append(" ", note);

  const stamp = panel.querySelector("[data-outbox-age]");
  const rendered = Date.parse(panel.dataset.renderedAt);
  stamp.hidden = !offline || Number.isNaN(rendered);
  if (!stamp.hidden) stamp.textContent = t("dataAge", age(Math.max(0, Math.round((Date.now() - rendered) / 1000))));

  panel.querySelector("[data-outbox-items]").replaceChildren(...list.map((item) => {
    const row = document.createElement("li");
    row.dataset.state = item.state;
    row.append(item.label);
    if (item.state === "refused") {
      const why = document.createElement("span");
      why.className = "refusal";
      why.textContent = t("outboxRefused", item.reason);
      row.append(why);
    }
    const editButton = Object.assign(document.createElement("button"), { type: "button", className: "secondary small", textContent: t("outboxEdit") });
    editButton.addEventListener("click", () => edit(item));
    const removeButton = Object.assign(document.createElement("button"), { type: "button", className: "secondary small", textContent: t("outboxRemove") });
    removeButton.addEventListener("click", async () => { await removeItem(item.key); render(); });
    row.append(" ", editButton, removeButton);
    return row;
  }));
  panel.dataset.state = refused.length ? "refused" : "";
  panel.hidden = list.length === 0 && !offline && !note;
}

if (panel && "indexedDB" in window) {
  for (const form of document.querySelectorAll("form[data-outbox-kind]")) {
    form.addEventListener("submit", async (event) => {
      if (navigator.onLine) return;  // online: the ordinary post, answered with a page
      event.preventDefault();
      const item = entry(form.dataset.outboxKind, form);
      form.reset();
      note = "";
      const flash = document.createElement("p");
      flash.className = "alert ok";
      flash.setAttribute("role", "status");
      flash.textContent = t("outboxQueued");
      form.querySelector(".alert")?.remove();
      form.prepend(flash);
      form.querySelector("input:not([type=hidden]), textarea")?.focus();
      await putItem(item);
      await render();
    });
  }
  window.addEventListener("online", () => { attempts = 0; render(); drain(); });
  window.addEventListener("offline", render);
  setInterval(() => { if (!navigator.onLine) render(); }, 10_000);
  render().then(drain);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => { /* the console still works online */ });
}
