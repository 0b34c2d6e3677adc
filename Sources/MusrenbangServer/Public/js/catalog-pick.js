// "Usulan sesuai kamus": while the activity is typed, offer the regency's dictionary items; the
// one picked fixes the unit, the field and the unit price, and the cost shown is volume × price
// (the server computes it again: what is shown here is only a preview).
import { t, locale } from "./i18n.js";
const form = document.getElementById("proposal-form");
const search = document.getElementById("catalog-search");
const list = document.getElementById("catalog-options");
const chosen = document.getElementById("catalog-chosen");
const itemField = document.getElementById("catalogItemId");
const volume = document.getElementById("volume");
const unit = document.getElementById("unit");
const cost = document.getElementById("estimatedCost");
const subfield = document.getElementById("subfieldCode");
const activity = document.getElementById("activity");
const money = new Intl.NumberFormat(locale, { style: "currency", currency: "IDR", maximumFractionDigits: 0 });
let timer;
let item = null;

function parseVolume() {
  // Indonesian decimals: "2,5" is two and a half; "1.250" is one thousand two hundred and fifty.
  const raw = (volume.value || "").trim().replace(/\./g, "").replace(",", ".");
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? value : null;
}

function showCost() {
  if (!item) return;
  const v = parseVolume();
  chosen.querySelector("[data-cost]").textContent = v === null ? "—" : money.format(Math.round(v * item.unitPrice));
}

function choose(picked) {
  item = picked;
  itemField.value = picked ? picked.id : "";
  list.replaceChildren();
  chosen.hidden = !picked;
  for (const field of [unit, cost, subfield]) {
    field.readOnly = !!picked;
    field.required = !picked;
    if (field.tagName === "SELECT") field.disabled = !!picked;
  }
  cost.closest("[data-free-cost]").hidden = !!picked;
  if (!picked) return;
  unit.value = picked.unit;
  subfield.value = picked.subfieldCode;
  if (!activity.value.trim()) activity.value = picked.text;
  chosen.querySelector("[data-text]").textContent = `${picked.id} · ${picked.text}`;
  chosen.querySelector("[data-price]").textContent = t("catalogPricePerUnit", money.format(picked.unitPrice), picked.unit);
  showCost();
}

async function lookup() {
  const q = search.value.trim();
  if (q.length < 2) { list.replaceChildren(); return; }
  const params = new URLSearchParams({ q, year: form.dataset.year });
  try {
    const response = await fetch(`/api/v1/catalog?${params}`, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const { items } = await response.json();
    list.replaceChildren(...items.map((found) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.disabled = found.locked;
      button.textContent = `${found.text} — ${money.format(found.unitPrice)}/${found.unit}${found.locked ? ` (${t("catalogLockedShort")})` : ""}`;
      button.addEventListener("click", () => choose(found));
      li.append(button);
      return li;
    }));
    if (items.length === 0) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: t("catalogNoMatch") }));
  } catch {
    // Offline: a free proposal can still be written.
  }
}

search?.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookup, 250); });
volume?.addEventListener("input", showCost);
document.getElementById("catalog-clear")?.addEventListener("click", () => choose(null));
// A select that is disabled is not sent: the server takes the field from the item anyway.
if (itemField?.value) {
  fetch(`/api/v1/catalog/${encodeURIComponent(itemField.value)}`).then((r) => (r.ok ? r.json() : null)).then((found) => found && choose(found)).catch(() => {});
}
