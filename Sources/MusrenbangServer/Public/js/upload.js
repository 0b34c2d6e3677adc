// Sends the chosen file as the raw request body (a proposal's photo, a station's signed scan);
// the server checks it by its content. Each form says where (`data-upload`), its size limit
// (`data-max-bytes`) and the words to say (`data-choose`, `data-too-large`: string keys).
import { t } from "./i18n.js";

for (const form of document.querySelectorAll("form[data-upload][data-max-bytes]")) {
  const input = form.querySelector("input[type=file]");
  const status = form.querySelector("[role=status]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) { status.textContent = t(form.dataset.choose); return; }
    if (file.size > Number(form.dataset.maxBytes)) { status.textContent = t(form.dataset.tooLarge); return; }
    status.textContent = t("uploading");
    const response = await fetch(form.dataset.upload, {
      method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream", "X-CSRF-Token": form.dataset.csrf },
    });
    if (response.ok) { location.reload(); return; }
    const answer = await response.json().catch(() => ({}));
    status.textContent = answer.error?.message ?? t("uploadFailed");
  });
}
