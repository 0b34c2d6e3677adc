// While a proposal is written, offer the similar ones already made in the village and its
// district (this year and earlier), so a citizen can support one instead of repeating it.
import { t } from "./i18n.js";
const form = document.getElementById("proposal-form");
const box = document.getElementById("similar");
const list = document.getElementById("similar-list");
const fields = ["title", "activity"].map((id) => document.getElementById(id));
let timer;
let last = "";

async function lookup() {
  const village = document.getElementById("villageCode")?.value;
  const text = fields.map((f) => f.value).join(" ").trim();
  if (!village || text.length < 5 || text === last) return;
  last = text;
  const params = new URLSearchParams({ village, year: form.dataset.year, text });
  try {
    const response = await fetch(`/api/v1/similar?${params}`, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const { items } = await response.json();
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `/usulan/${item.id}#dukungan`;
      a.textContent = `${item.title} (${item.year})`;
      li.append(a, t("similarLine", item.statusText, item.supportCount));
      return li;
    }));
    box.hidden = items.length === 0;
  } catch {
    // Offline or slow: the form works without suggestions.
  }
}

for (const field of fields) {
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, 400);
  });
}
