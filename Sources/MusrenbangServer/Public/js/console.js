// The village console tells the control room it is alive, every 30 seconds.
const section = document.querySelector("[data-heartbeat]");
const csrf = document.querySelector('input[name="_csrf"]')?.value;

async function beat() {
  try {
    await fetch(section.dataset.heartbeat, { method: "POST", headers: { "X-CSRF-Token": csrf } });
  } catch {
    // A cut link: the next beat will tell.
  }
}

if (section && csrf) {
  beat();
  setInterval(beat, 30000);
}

// Where the browser can read QR codes (Chrome on Android), the desk scans the code on a citizen's
// phone with the camera; everywhere else the code is typed.
const scan = document.getElementById("scan");
const view = document.getElementById("scan-view");
const key = document.getElementById("key");
if (scan && view && key && "BarcodeDetector" in window) {
  scan.hidden = false;
  scan.addEventListener("click", async () => {
    const detector = new BarcodeDetector({ formats: ["qr_code"] });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    view.srcObject = stream;
    view.hidden = false;
    await view.play();
    const stop = () => { stream.getTracks().forEach((track) => track.stop()); view.hidden = true; };
    const look = async () => {
      const [found] = await detector.detect(view);
      if (found) { key.value = found.rawValue; stop(); key.focus(); } else { requestAnimationFrame(look); }
    };
    look();
  });
}

// Nothing typed is lost when a section folds or the stage moves on (each move reloads the
// page): what is typed into the console's forms is kept in this tab until that form is sent.
function draftKey(form, name) { return `mb-draft:${location.pathname}:${form.getAttribute("action")}:${name}`; }

for (const form of document.querySelectorAll('main form[method="post"]')) {
  const fields = [...form.elements].filter((field) => field.name && field.name !== "_csrf" && !["hidden", "submit", "button"].includes(field.type));
  for (const field of fields) {
    const saved = sessionStorage.getItem(draftKey(form, field.name));
    if (saved !== null) {
      if (field.type === "checkbox") field.checked = saved === "1";
      else if (field.type === "radio") field.checked = saved === field.value;
      else if (!field.value || field.tagName !== "SELECT") field.value = saved;
    }
    const keep = () => {
      const value = field.type === "checkbox" ? (field.checked ? "1" : "0") : field.value;
      if (field.type === "radio" && !field.checked) return;
      sessionStorage.setItem(draftKey(form, field.name), value);
    };
    field.addEventListener("input", keep);
    field.addEventListener("change", keep);
  }
  form.addEventListener("submit", () => { for (const field of fields) sessionStorage.removeItem(draftKey(form, field.name)); });
}

// A link or a redirect to a section (…#berita-acara) opens its folded task.
const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
target?.closest("details")?.setAttribute("open", "");
