// The live QR display of one station (qr.html?station=ID): a tablet or screen at the station shows
// the current code and fetches the next one as each window ends; ?print=1 lays it out as a sheet.
import { call, imageUrl, setToken, token, whenUnauthorized } from "./api.js";
import { $, factItems, formatTime } from "./dom.js";
import { WEEKDAYS, loadMeta, weekdayName } from "./meta.js";

const params = new URLSearchParams(location.search);
const stationId = Number(params.get("station"));
// Fetch the next code a little after the window turns, so the server is surely past it.
const AFTER_TURN_MS = 300;
let timer;
let shownUrl;

function showLogin() {
  setToken(null);
  clearTimeout(timer);
  $("qr-display").hidden = true;
  $("qr-login").hidden = false;
}

// When to fetch the next code: when the API says a new one is shown (the shown one stays valid a
// window longer, so the screen never shows an expired code).
const nextRefreshDelay = (code) => Math.max(1000, new Date(code.changes_at).getTime() - Date.now() + AFTER_TURN_MS);

async function refresh() {
  clearTimeout(timer);
  try {
    const code = await call("GET", `/stations/${stationId}/qr`);
    const url = await imageUrl(code.png_url);
    $("qr-image").src = url;
    if (shownUrl) URL.revokeObjectURL(shownUrl);
    shownUrl = url;
    $("qr-display").dataset.token = code.token;
    const delay = nextRefreshDelay(code);
    $("qr-refresh").textContent = `二维码将于 ${formatTime(new Date(Date.now() + delay).toISOString())} 自动更新`;
    if (code.window_seconds) $("qr-window").textContent = `${Math.round(code.window_seconds / 60) || 1} 分钟`;
    $("qr-error").textContent = "";
    timer = setTimeout(refresh, delay);
  } catch (error) {
    $("qr-error").textContent = error.message;
    // A screen at the station keeps trying (network hiccups), unless the login is gone.
    if (error.status !== 401) timer = setTimeout(refresh, 10_000);
  }
}

async function showStation() {
  $("qr-login").hidden = true;
  $("qr-display").hidden = false;
  document.body.classList.toggle("print-sheet", params.get("print") === "1");
  if (!stationId) {
    $("qr-error").textContent = "未指定服务站点";
    return;
  }
  try {
    const station = await call("GET", `/stations/${stationId}`);
    $("qr-station-name").textContent = station.name;
    document.title = `${station.name} · 签到二维码`;
    $("qr-station-address").textContent = station.address;
    const weekly = station.opening_hours?.weekly || {};
    $("qr-hours").replaceChildren(...factItems(WEEKDAYS.map((day) => [
      weekdayName(day), (weekly[day] || []).map((span) => `${span.open}–${span.close}`).join("，") || "不开放",
    ])));
  } catch (error) {
    $("qr-error").textContent = error.message;
    return;
  }
  await refresh();
}

$("qr-login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("qr-login-error").textContent = "";
  try {
    const result = await call("POST", "/auth/desk-login", {
      username: $("qr-username").value.trim(),
      password: $("qr-password").value,
    });
    setToken(result.token);
    $("qr-password").value = "";
    await showStation();
  } catch (error) {
    $("qr-login-error").textContent = error.message;
  }
});

$("qr-fullscreen").addEventListener("click", () => document.documentElement.requestFullscreen?.().catch(() => {}));
$("qr-print").addEventListener("click", () => window.print());
document.addEventListener("visibilitychange", () => {
  // A screen woken from sleep may have missed its timer.
  if (document.visibilityState === "visible" && token() && !$("qr-display").hidden) refresh();
});

whenUnauthorized(showLogin);
await loadMeta();
if (token()) showStation();
else showLogin();
