// "Gunakan lokasi saya": the surveyor's position from the browser (when they allow it) into the
// verification form. Without permission or GPS the fields stay as typed.
import { t } from "./i18n.js";
const button = document.getElementById("v-locate");
const status = document.getElementById("v-locate-status");

button?.addEventListener("click", () => {
  if (!("geolocation" in navigator)) { status.textContent = t("locationUnavailable"); return; }
  status.textContent = t("locating");
  navigator.geolocation.getCurrentPosition((position) => {
    document.getElementById("v-lat").value = position.coords.latitude.toFixed(6);
    document.getElementById("v-lng").value = position.coords.longitude.toFixed(6);
    status.textContent = t("located", Math.round(position.coords.accuracy));
  }, () => { status.textContent = t("locationUnavailable"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
});
