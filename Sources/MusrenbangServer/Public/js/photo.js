// Uploads a photo of a proposal as the raw request body; the server checks it by its content.
const form = document.getElementById("photo-form");
const status = document.getElementById("photo-status");

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("photo").files[0];
  if (!file) { status.textContent = "Pilih foto terlebih dahulu."; return; }
  if (file.size > 5 * 1024 * 1024) { status.textContent = "Foto melebihi 5 MB."; return; }
  status.textContent = "Mengunggah…";
  const response = await fetch(form.dataset.upload, {
    method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream", "X-CSRF-Token": form.dataset.csrf },
  });
  if (response.ok) { location.reload(); return; }
  const answer = await response.json().catch(() => ({}));
  status.textContent = answer.error?.message ?? "Unggahan gagal.";
});
