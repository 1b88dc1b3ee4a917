// The desk: login, the tabs of the areas, and which one is shown. An area is one module
// exporting its tabs ({ id, title, route, build, enter, reset, available }); list it here.
import { call, setToken, token, whenUnauthorized } from "./api.js";
import { $, h, setCurrent } from "./dom.js";
import { loadMeta } from "./meta.js";
import { loadSession, session } from "./session.js";
import * as home from "./home.js";
import * as requests from "./requests.js";
import * as members from "./members.js";
import * as checkins from "./checkins.js";
import * as stations from "./stations.js";
import * as contacts from "./contacts.js";
import * as notifications from "./notifications.js";
import * as orgs from "./orgs.js";
import * as exportsArea from "./exports.js";
import * as audit from "./audit.js";
import * as coordination from "./coordination.js";
import * as funds from "./funds.js";
import * as care from "./care.js";
import * as activitiesArea from "./activities.js";
import * as evaluations from "./evaluations.js";
import * as moderation from "./moderation.js";
import * as positions from "./positions.js";
import * as cooperation from "./cooperation.js";
import * as rosters from "./rosters.js";
import * as offers from "./offers.js";
import * as providers from "./providers.js";

const TABS = [
  home.tab, requests.tab, providers.routedTab, members.registrationsTab, checkins.tab, members.correctionsTab,
  stations.tab, positions.tab, contacts.tab, notifications.tab, orgs.tab, exportsArea.tab, audit.tab,
  coordination.tab, cooperation.tab, rosters.tab, coordination.liaisonTab, funds.tab, care.tab,
  activitiesArea.tab, offers.tab, providers.tab, evaluations.tab, moderation.tab,
];

const buttons = new Map();

function buildTabs() {
  const nav = $("tabs");
  const panels = $("panels");
  for (const tab of TABS) {
    const panel = tab.build();
    panel.id = tab.id;
    panel.hidden = true;
    panels.append(panel);
    const tabButton = h("button", { type: "button", className: "tab", data: { panel: tab.id }, onClick: () => openTab(tab) }, tab.title);
    buttons.set(tab, tabButton);
    nav.append(tabButton);
  }
}

function openTab(tab, { focus = false } = {}) {
  for (const [each, tabButton] of buttons) {
    const active = each === tab;
    $(each.id).hidden = !active;
    setCurrent(tabButton, active, "page");
    if (active) tabButton.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  if (tab.route && location.hash !== `#/${tab.route}`) history.replaceState(null, "", `#/${tab.route}`);
  tab.enter?.();
  if (focus) buttons.get(tab).focus();
}

function showLogin() {
  setToken(null);
  $("home-view").hidden = true;
  $("who").hidden = true;
  $("login-view").hidden = false;
}

// The home is shown once the trees are in, so the screens can name the units records refer to.
async function showHome() {
  await ready;
  await loadSession();
  for (const tab of TABS) {
    tab.reset?.();
    buttons.get(tab).hidden = tab.available ? !tab.available(session) : false;
  }
  $("who-name").textContent = session.me.name;
  $("who").hidden = false;
  $("login-view").hidden = true;
  $("home-view").hidden = false;
  const routed = TABS.find((tab) => tab.route && location.hash.startsWith(`#/${tab.route}`) && !buttons.get(tab).hidden);
  // A unit's liaison has no home tab: the first tab it may see opens.
  openTab(routed || TABS.find((tab) => !buttons.get(tab).hidden));
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  const submit = $("login-form").querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const result = await call("POST", "/auth/desk-login", {
      username: $("username").value.trim(),
      password: $("password").value,
    });
    setToken(result.token);
    $("password").value = "";
    await showHome();
  } catch (error) {
    $("login-error").textContent = error.message;
  } finally {
    submit.disabled = false;
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await call("POST", "/auth/logout");
  } catch {
    // The token is dropped either way.
  } finally {
    showLogin();
  }
});

// Arrow keys move along the tabs, as in any tab list.
$("tabs").addEventListener("keydown", (event) => {
  if (!["ArrowLeft", "ArrowRight"].includes(event.key)) return;
  const visible = TABS.filter((tab) => !buttons.get(tab).hidden);
  const index = visible.findIndex((tab) => buttons.get(tab) === document.activeElement);
  if (index < 0) return;
  const step = event.key === "ArrowRight" ? 1 : -1;
  openTab(visible[(index + step + visible.length) % visible.length], { focus: true });
});

whenUnauthorized(showLogin);
// The tabs need the names of /meta (their filters); logging in waits for them.
const ready = loadMeta().then(buildTabs);
if (token()) showHome().catch(showLogin);
