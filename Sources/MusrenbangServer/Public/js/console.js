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
