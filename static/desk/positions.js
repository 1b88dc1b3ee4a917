// 阵地标准化: per street or district, how complete the positions' standardisation checklists are (a
// table, and the same as .xlsx); and a position's own page: each checklist item done or not, its
// evidence (upload, view, download) with who checked it and when, the position's funding source and
// the member it is named after (冠名) or whose home it is (中心户). Item names come from /meta.
import { call, download, imageUrl, upload } from "./api.js";
import { alertLine, busy, button, factList, form, formatTime, h, labelled, node, noticeLine, select } from "./dom.js";
import { statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, orgName, session, unitOptions } from "./session.js";

// The completeness view is read per street or district; staff without one read their own units.
const OVERVIEW_ORG_KINDS = ["district_committee", "street_working_committee"];
// The person a kind of position names (the API refuses the field on any other kind).
const PERSON_FIELDS = {
  building_named_station: { field: "named_member_id", title: "冠名党员" },
  household_activity_room: { field: "household_user_id", title: "党员中心户" },
};
// What the file picker offers; the server reads the type from the content and has the last word.
const EVIDENCE_ACCEPT = "image/jpeg,image/png,application/pdf";
const EXTENSIONS = { "image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf" };
// Registrations are read 100 at a time; a community's approved members fit in a few pages.
const MEMBER_PAGES = 10;

let overview;
let detail;

// --- a position's page ---------------------------------------------------------------------

// The page of one position, loading itself; `onChange` runs after each saved change.
export function stationPanel(stationId, { onChange = () => {} } = {}) {
  const state = {
    stationId,
    onChange,
    error: alertLine(undefined, "error position-error"),
    notice: noticeLine(),
    body: h("div", { className: "position-body" }),
    preview: h("div", { className: "evidence-preview", "aria-live": "polite" }),
  };
  refresh(state);
  return h("div", { className: "position-panel", data: { stationId } }, state.error, state.notice, state.body);
}

async function refresh(state) {
  try {
    const [station, checklist] = await Promise.all([
      call("GET", `/stations/${state.stationId}`), call("GET", `/stations/${state.stationId}/checklist`),
    ]);
    const people = PERSON_FIELDS[station.kind] ? await communityMembers(station) : [];
    state.body.replaceChildren(
      factList([["类型", label("station_kind", station.kind)], ["所属组织", orgName(station.org_id)], ["地址", station.address]]),
      settingsForm(state, station, people),
      checklist.applicable
        ? checklistSection(state, station, checklist)
        : node("p", "该类阵地不填写标准化清单（企业、社会组织的阵地填写）", "muted"));
  } catch (error) {
    state.error.textContent = error.message;
  }
}

// The approved members of the community the building stands in: whom a point may be named after.
async function communityMembers(station) {
  const community = session.units.get(station.org_id)?.parent;
  if (!community) return [];
  const members = [];
  for (let page = 1; page <= MEMBER_PAGES; page += 1) {
    const query = new URLSearchParams({ status: "approved", community_id: community.id, per_page: 100, page });
    const answer = await call("GET", `/members/registrations?${query}`);
    members.push(...answer.items.map((registration) => registration.user));
    if (!answer.items.length || members.length >= answer.total) break;
  }
  return members;
}

// Runs one change of the page: its buttons rest, the API's message shows in `errorLine`.
function act(state, buttons, errorLine, work) {
  state.notice.textContent = "";
  return busy(buttons, errorLine, work);
}

function settingsForm(state, station, people) {
  const funding = select(names("station_funding"), { empty: "未填写", value: station.funding || "" });
  funding.name = "funding";
  const person = PERSON_FIELDS[station.kind];
  const controls = [labelled("经费来源", funding)];
  let personSelect;
  if (person) {
    const current = station[person.field];
    personSelect = h("select", { name: person.field }, h("option", { value: "" }, "未指定"),
      people.map((member) => h("option", { value: member.id }, member.name || `党员 #${member.id}`)));
    // Named earlier and no longer an approved member here: still shown, kept unless changed.
    if (current && !people.some((member) => member.id === current)) personSelect.append(h("option", { value: current }, `党员 #${current}`));
    personSelect.value = current ? String(current) : "";
    controls.push(labelled(person.title, personSelect));
  }
  const what = person ? `经费来源和${person.title}` : "经费来源";
  const error = alertLine();
  const element = form({ className: "inline-form position-settings", "aria-label": `${station.name}的${what}` }, [
    ...controls, h("button", { type: "submit", className: "primary" }, "保存"), error,
  ], () => act(state, element.querySelectorAll("button"), error, async () => {
    const changes = { funding: funding.value || null };
    // A person is sent only when changed: the API checks the membership of whoever is newly named.
    const chosen = personSelect?.value ? Number(personSelect.value) : null;
    if (person && chosen !== station[person.field]) changes[person.field] = chosen;
    await call("PATCH", `/stations/${station.id}`, changes);
    await refresh(state);
    state.notice.textContent = `已保存${station.name}的${what}`;
    state.onChange();
  }));
  return element;
}

// The items in the order the API gives them (八有, then 四新); their names from /meta.
function checklistSection(state, station, checklist) {
  const head = ["清单项", "状态", "核查人", "核查时间", "佐证", "上传佐证"].map((title) => node("th", title));
  return h("section", { className: "position-checklist", "aria-label": `${station.name}的标准化建设清单` },
    h("h3", {}, "标准化建设清单"),
    node("p", `已完成 ${checklist.items_done} / ${checklist.items_total} 项，有佐证 ${checklist.items_evidenced} 项`, "checklist-summary"),
    h("div", { className: "table-box" },
      h("table", { className: "checklist-table" },
        h("thead", {}, h("tr", {}, head)),
        h("tbody", {}, checklist.items.map((row) => itemRow(state, station, row))))),
    state.preview);
}

function itemRow(state, station, { item, done, evidence: proof }) {
  const name = label("checklist_item", item);
  const file = h("input", { type: "file", name: "file", accept: EVIDENCE_ACCEPT, "aria-label": `${name}的佐证文件` });
  const error = alertLine(undefined, "error item-error");
  const send = button("上传", "secondary small", () => act(state, [send], error, async () => {
    if (!file.files.length) throw new Error("请先选择照片或 PDF 文件");
    const data = new FormData();
    data.append("item", item);
    data.append("file", file.files[0]);
    await upload(`/stations/${station.id}/checklist-evidence`, data);
    await refresh(state);
    state.notice.textContent = `已上传「${name}」的佐证，该项已完成`;
    state.onChange();
  }), { "aria-label": `上传${name}的佐证` });
  return h("tr", { data: { item } },
    node("th", name),
    h("td", {}, statusBadge(done ? "已完成" : "未完成", done ? "done" : "missing", "checklist-item")),
    node("td", proof ? proof.checked_by_name || `工作人员 #${proof.checked_by_id}` : ""),
    h("td", {}, proof ? h("time", { dateTime: proof.checked_at }, formatTime(proof.checked_at)) : ""),
    h("td", {}, proof ? evidenceActions(state, station, name, proof) : node("span", "未上传", "muted")),
    h("td", { className: "evidence-upload" }, file, send, error));
}

function evidenceActions(state, station, name, proof) {
  const path = `/stations/${station.id}/checklist-evidence/${proof.id}`;
  const kind = proof.content_type === "application/pdf" ? "PDF 文档" : "照片";
  const actions = [node("span", `${kind} ${Math.max(1, Math.round(proof.size_bytes / 1024))} KB`, "muted")];
  if (proof.content_type.startsWith("image/")) {
    actions.push(button("查看", "link", (event) => act(state, [event.currentTarget], state.error, async () => {
      showPreview(state, await imageUrl(path), name, proof);
    }), { "aria-label": `查看${name}的佐证` }));
  }
  actions.push(button("下载", "link", (event) => act(state, [event.currentTarget], state.error, async () => {
    await download(path, `${station.name}-${name}.${EXTENSIONS[proof.content_type] || "bin"}`);
  }), { "aria-label": `下载${name}的佐证` }));
  return actions;
}

function showPreview(state, url, name, proof) {
  const previous = state.preview.querySelector("img");
  if (previous) URL.revokeObjectURL(previous.src);
  state.preview.replaceChildren(h("figure", {},
    h("img", { src: url, alt: `${name}的佐证照片` }),
    node("figcaption", `${name}：${proof.checked_by_name || ""} ${formatTime(proof.checked_at)} 核查`)));
}

// --- completeness per street and district ---------------------------------------------------

let ticket = 0;

async function loadOverview() {
  const orgId = overview.org.value;
  if (!orgId) return;
  const mine = ++ticket;
  overview.error.textContent = "";
  try {
    const view = await call("GET", `/stations/completeness?org_id=${orgId}`);
    if (mine === ticket) renderOverview(view);
  } catch (error) {
    if (mine === ticket) overview.error.textContent = error.message;
  }
}

const ratio = (done, total) => (total ? `${done} / ${total}` : "不适用");

function renderOverview(view) {
  overview.caption.textContent = `${view.org_name}：各组织阵地标准化完成情况`;
  overview.orgs.replaceChildren(...view.orgs.map((org) => h("tr", { data: { orgId: org.org_id } },
    node("th", org.org_name), node("td", String(org.stations)), node("td", ratio(org.items_done, org.items_total)),
    node("td", org.items_total ? String(org.items_evidenced) : "—"), node("td", org.items_total ? String(org.stations_complete) : "—"))));
  if (!view.stations.length) {
    overview.stations.replaceChildren(h("tr", {}, h("td", { colspan: 7, className: "empty" }, "该范围内暂无阵地")));
    return;
  }
  overview.stations.replaceChildren(...view.stations.map((row) => h("tr", { data: { stationId: row.station_id } },
    node("td", row.org_name), node("th", row.name), node("td", label("station_kind", row.kind)),
    node("td", ratio(row.items_done, row.items_total)), node("td", row.applicable ? String(row.items_evidenced) : "—"),
    node("td", row.applicable ? missingText(row.items_missing) : "不填写清单", "missing-items"),
    h("td", {}, button("打开", "secondary small", () => openStation(row), { "aria-label": `打开${row.name}` })))));
}

const missingText = (missing) => (missing.length ? missing.map((item) => label("checklist_item", item)).join("、") : "无");

function openStation(row) {
  detail.heading.textContent = row.name;
  detail.body.replaceChildren(stationPanel(row.station_id, { onChange: loadOverview }));
  detail.section.hidden = false;
  detail.section.scrollIntoView({ block: "start" });
}

async function exportOverview(trigger) {
  overview.error.textContent = "";
  overview.notice.textContent = "正在生成…";
  await busy([trigger], overview.error, async () => {
    const name = await download(`/stations/completeness.xlsx?org_id=${overview.org.value}`, "positions.xlsx");
    overview.notice.textContent = `已下载 ${name}`;
  });
  if (overview.error.textContent) overview.notice.textContent = "";
}

function table(id, headers, caption) {
  const body = h("tbody");
  const element = h("table", { id, className: "results completeness" },
    caption, h("thead", {}, h("tr", {}, headers.map((title) => node("th", title)))), body);
  return { element, body };
}

export const tab = {
  id: "positions-panel",
  title: "阵地标准化",
  route: "positions",
  available: isStaff,
  build() {
    const org = h("select", { id: "positions-org" });
    org.addEventListener("change", loadOverview);
    const caption = h("caption");
    const orgs = table("positions-orgs", ["组织", "阵地数", "清单完成", "有佐证项", "全部有佐证的阵地"], caption);
    const stations = table("positions-stations", ["组织", "阵地", "类型", "清单完成", "有佐证项", "缺少项目", ""], node("caption", "各阵地"));
    const exportButton = button("导出 Excel", "primary", () => exportOverview(exportButton), { id: "positions-export" });
    overview = { org, caption, orgs: orgs.body, stations: stations.body, error: alertLine("positions-error"), notice: noticeLine("positions-notice") };
    detail = { heading: h("h2", { id: "position-heading" }), body: h("div") };
    detail.section = h("section", { id: "position-detail", className: "card", hidden: true, "aria-labelledby": "position-heading" },
      h("div", { className: "card-head" }, detail.heading,
        button("关闭", "secondary", () => { detail.section.hidden = true; detail.body.replaceChildren(); })),
      detail.body);
    return h("div", {},
      h("section", { className: "card", "aria-labelledby": "positions-heading" },
        h("h2", { id: "positions-heading" }, "阵地标准化"),
        node("p", "企业和社会组织的阵地按“八有”“四新”清单建设，每项可上传照片或 PDF 佐证。", "muted"),
        h("div", { className: "filters", role: "search", "aria-label": "选择街道或区" },
          labelled("街道或区", org, "inline"),
          button("刷新", "secondary", loadOverview),
          exportButton),
        overview.error, overview.notice,
        h("div", { className: "table-box" }, orgs.element),
        h("div", { className: "table-box" }, stations.element)),
      detail.section);
  },
  reset() {
    overview.org.replaceChildren();
    unitOptions(overview.org, (unit) => OVERVIEW_ORG_KINDS.includes(unit.kind));
    if (!overview.org.options.length) for (const root of session.roots) overview.org.append(h("option", { value: root.id }, root.name));
    overview.caption.textContent = "";
    overview.orgs.replaceChildren();
    overview.stations.replaceChildren();
    overview.error.textContent = "";
    overview.notice.textContent = "";
    detail.section.hidden = true;
    detail.body.replaceChildren();
  },
  enter: () => loadOverview(),
};
