// Uploads the signed minutes' scan (photo or PDF) as the raw request body; the server checks it by its content.
import { t } from "./i18n.js";
const form = document.getElementById("scan-form");
const status = document.getElementById("scan-status");

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("scan").files[0];
  if (!file) { status.textContent = t("chooseScan"); return; }
  if (file.size > 10 * 1024 * 1024) { status.textContent = t("scanTooLarge"); return; }
  status.textContent = t("uploading");
  const response = await fetch(form.dataset.upload, {
    method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream", "X-CSRF-Token": form.dataset.csrf },
  });
  if (response.ok) { location.reload(); return; }
  const answer = await response.json().catch(() => ({}));
  status.textContent = answer.error?.message ?? t("uploadFailed");
});
