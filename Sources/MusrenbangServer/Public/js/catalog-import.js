// Sends a dictionary CSV to the import API as it is (the server reads and checks it row by row)
// and shows what it answered: the counts, or every refused row with its reasons.
import { t } from "./i18n.js";
const form = document.getElementById("catalog-import-form");
const report = document.getElementById("catalog-import-report");

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("catalog-file").files[0];
  if (!file) { report.textContent = t("catalogChooseFile"); return; }
  report.textContent = t("uploading");
  let answer = {};
  try {
    const response = await fetch(form.dataset.upload, {
      method: "POST", body: file, headers: { "Content-Type": "text/csv", "X-CSRF-Token": form.dataset.csrf, Accept: "application/json" },
    });
    answer = await response.json().catch(() => ({}));
    if (response.ok) {
      report.textContent = t("catalogImported", answer.rows, answer.added, answer.updated);
      return;
    }
  } catch {
    report.textContent = t("uploadFailed");
    return;
  }
  const heading = document.createElement("p");
  heading.className = "alert error";
  heading.textContent = answer.error?.message ?? t("uploadFailed");
  const list = document.createElement("ul");
  list.className = "refused";
  for (const row of answer.refused ?? []) {
    const li = document.createElement("li");
    li.textContent = t("catalogRefusedRow", row.line, row.id ?? "—", row.reasons.join(" "));
    list.append(li);
  }
  report.replaceChildren(heading, list);
});
