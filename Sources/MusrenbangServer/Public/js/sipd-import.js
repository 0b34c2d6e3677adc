// Sends SIPD's decision file to the API as it is (the server reads, reconciles and applies it
// row by row) and shows the reconciliation: the counts, then every unmatched and conflicting row
// with its reasons.
import { t } from "./i18n.js";
const form = document.getElementById("sipd-import-form");
const report = document.getElementById("sipd-import-report");

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("sipd-file").files[0];
  if (!file) { report.textContent = t("sipdChooseFile"); return; }
  report.textContent = t("uploading");
  let response, answer = {};
  try {
    response = await fetch(form.dataset.upload, {
      method: "POST", body: file, headers: { "Content-Type": "text/csv", "X-CSRF-Token": form.dataset.csrf, Accept: "application/json" },
    });
    answer = await response.json().catch(() => ({}));
  } catch {
    report.textContent = t("uploadFailed");
    return;
  }
  if (!response.ok) {
    const failed = document.createElement("p");
    failed.className = "alert error";
    failed.textContent = answer.error?.message ?? t("uploadFailed");
    report.replaceChildren(failed);
    return;
  }
  const summary = document.createElement("p");
  summary.className = answer.unmatched || answer.conflicting ? "alert error" : "alert ok";
  summary.id = "sipd-summary";
  summary.dataset.matched = answer.matched;
  summary.dataset.unmatched = answer.unmatched;
  summary.dataset.conflicting = answer.conflicting;
  summary.textContent = t("sipdReport", answer.rows, answer.matched, answer.applied, answer.unchanged, answer.unmatched, answer.conflicting);
  const parts = [summary];
  for (const kind of ["unmatched", "conflicting"]) {
    const rows = (answer.problems ?? []).filter((row) => row.kind === kind);
    if (!rows.length) continue;
    const heading = document.createElement("h3");
    heading.textContent = t(kind === "unmatched" ? "sipdUnmatched" : "sipdConflicting");
    const list = document.createElement("ul");
    list.className = `sipd-${kind}`;
    for (const row of rows) {
      const li = document.createElement("li");
      li.dataset.line = row.line;
      li.textContent = t("sipdProblemRow", row.line, row.id || "—", row.reasons.join(" "));
      list.append(li);
    }
    parts.push(heading, list);
  }
  report.replaceChildren(...parts);
});
