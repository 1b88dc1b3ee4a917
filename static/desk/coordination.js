// 协调机制: resident units (驻区单位), the three coordination bodies with their members, meetings and
// resolutions, the leadership posts and their terms, and the annual work report. And 本单位党员: what a
// unit's liaison reads (its own in-service members).
import { call, download } from "./api.js";
import { alertLine, button, factList, form, formatTime, h, hoursText, labelled, node, noticeLine, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { orgName, session, unitOptions } from "./session.js";

// Which org kind holds each body (the API refuses any other: 422).
const BODY_LEVEL = { guidance_committee: "district_committee", coordination_committee: "street_working_committee", joint_meeting: "community_general_branch" };
const TERM_KINDS = new Set(["street_working_committee", "community_general_branch"]);

const error = alertLine("coordination-error");
const notice = noticeLine("coordination-notice");

async function attempt(work, success) {
  error.textContent = "";
  notice.textContent = "";
  try {
    const result = await work();
    notice.textContent = success(result);
    return result;
  } catch (failure) {
    error.textContent = failure.message;
    return undefined;
  }
}

const input = (props = {}) => h("input", { required: true, ...props });
const orgPicker = (kinds) => unitOptions(h("select"), (unit) => kinds.has(unit.kind));

// --- 驻区单位 ---

const units = new Listing({
  path: "/units",
  row: (unit) => h("li", { className: "record", data: { unitId: unit.id } },
    h("div", { className: "record-head" }, node("strong", unit.name, "record-title"), statusBadge(label("unit_kind", unit.kind), unit.kind, "kind")),
    factList([["党组织", unit.party_org_name], ["地址", unit.address], ["所在街道", orgName(unit.street_id)]])),
  emptyText: "暂无驻区单位",
  ids: { list: "unit-list", summary: "units-summary" },
});

function unitForm() {
  const name = input({ maxLength: 100 });
  const kind = select(names("unit_kind"));
  const party = input({ maxLength: 100 });
  const address = input({ maxLength: 200 });
  const street = orgPicker(new Set(["street_working_committee"]));
  return form({ id: "unit-form", className: "grid-form", "aria-label": "登记驻区单位" }, [
    labelled("单位名称", name), labelled("类型", kind), labelled("党组织名称", party), labelled("地址", address),
    labelled("所在街道", street), h("button", { type: "submit", className: "primary" }, "登记"),
  ], async () => {
    const made = await attempt(() => call("POST", "/units", {
      name: name.value.trim(), kind: kind.value, party_org_name: party.value.trim(), address: address.value.trim(),
      street_id: Number(street.value),
    }), (unit) => `已登记${unit.name}`);
    if (made) {
      name.value = party.value = address.value = "";
      units.reloadFromFirstPage();
    }
  });
}

// --- 协调机构 ---

const bodyPage = h("div", { id: "body-page" });

const bodies = new Listing({
  path: "/bodies",
  row: (item) => h("li", { className: "record", data: { bodyId: item.id } },
    h("div", { className: "record-head" }, node("strong", item.name, "record-title"), statusBadge(label("body_kind", item.kind), item.kind, "kind")),
    factList([["所属组织", orgName(item.org_id)]]),
    h("div", { className: "record-actions" }, button("查看", "secondary", () => showBody(item.id)))),
  emptyText: "暂无协调机构",
  ids: { list: "body-list", summary: "bodies-summary" },
});

function bodyForm() {
  const kind = select(names("body_kind"));
  const org = h("select");
  const name = input({ maxLength: 100 });
  const fillOrgs = () => {
    org.replaceChildren();
    unitOptions(org, (unit) => unit.kind === BODY_LEVEL[kind.value]);
  };
  kind.addEventListener("change", fillOrgs);
  fillOrgs();
  return form({ id: "body-form", className: "grid-form", "aria-label": "设立协调机构" }, [
    labelled("机构类型", kind), labelled("所属组织", org), labelled("名称", name),
    h("button", { type: "submit", className: "primary" }, "设立"),
  ], async () => {
    const made = await attempt(() => call("POST", "/bodies", { kind: kind.value, org_id: Number(org.value), name: name.value.trim() }),
      (body) => `已设立${body.name}`);
    if (made) {
      name.value = "";
      bodies.reloadFromFirstPage();
    }
  });
}

function resolutionItem(resolution, reload) {
  const outcome = input({ maxLength: 500, "aria-label": "办理结果" });
  const item = h("li", { className: "record", data: { resolutionId: resolution.id } },
    h("div", { className: "record-head" }, node("strong", resolution.text, "record-title"),
      statusBadge(label("resolution_status", resolution.status), resolution.status)),
    factList([["牵头单位", resolution.owner_unit_name], ["到期日", resolution.due_date], ["办理结果", resolution.outcome]]));
  if (resolution.status === "open") {
    item.append(form({ className: "reason-form" }, [labelled("办理结果", outcome), h("button", { type: "submit", className: "secondary" }, "办结")],
      async () => {
        const done = await attempt(() => call("POST", `/resolutions/${resolution.id}/close`, { outcome: outcome.value.trim() }), () => "已办结");
        if (done) reload();
      }));
  }
  return item;
}

function meetingItem(meeting, members, reload) {
  const text = input({ maxLength: 500 });
  const owner = h("select", {}, members.map((member) => h("option", { value: member.unit_id }, member.unit_name)));
  const due = input({ type: "date" });
  const resolutions = h("ul", { className: "records" });
  call("GET", `/meetings/${meeting.id}`).then((detail) => {
    resolutions.replaceChildren(...detail.resolutions.map((each) => resolutionItem(each, reload)));
  }).catch((failure) => { error.textContent = failure.message; });
  return h("li", { className: "record", data: { meetingId: meeting.id } },
    h("div", { className: "record-head" }, node("strong", meeting.title, "record-title"), node("span", formatTime(meeting.held_at), "muted")),
    factList([["议程", meeting.agenda.join("；")], ["纪要", meeting.minutes]]),
    resolutions,
    form({ className: "grid-form resolution-form", "aria-label": `${meeting.title}：形成决议事项` }, [
      labelled("决议事项", text), labelled("牵头单位", owner), labelled("到期日", due),
      h("button", { type: "submit", className: "secondary" }, "形成决议"),
    ], async () => {
      const made = await attempt(() => call("POST", `/meetings/${meeting.id}/resolutions`, {
        text: text.value.trim(), owner_unit_id: Number(owner.value), due_date: due.value,
      }), () => "已形成决议事项");
      if (made) reload();
    }));
}

async function showBody(bodyId) {
  const detail = await attempt(() => call("GET", `/bodies/${bodyId}`), (body) => `${body.name}`);
  if (!detail) return;
  const reload = () => showBody(bodyId);
  const unitSelect = h("select");
  call("GET", "/units?per_page=100").then((page) => {
    unitSelect.replaceChildren(...page.items.map((unit) => h("option", { value: unit.id }, unit.name)));
  }).catch((failure) => { error.textContent = failure.message; });
  const representative = input({ maxLength: 50 });
  const title = input({ maxLength: 50 });
  const meetingTitle = input({ maxLength: 100 });
  const heldAt = input({ type: "datetime-local" });
  const agenda = h("textarea", { rows: 3, "aria-label": "议程（每行一项）" });
  bodyPage.replaceChildren(
    h("h3", { id: "body-heading" }, detail.name),
    h("h4", {}, "逾期未办结的决议事项"),
    h("ul", { id: "body-overdue", className: "records" },
      detail.overdue_resolutions.length ? detail.overdue_resolutions.map((each) => resolutionItem(each, reload)) : [node("li", "暂无", "empty")]),
    h("h4", {}, "成员单位"),
    h("ul", { id: "body-members" }, detail.members.map((member) => node("li", `${member.unit_name} · ${member.representative_name}（${member.title}）`))),
    form({ id: "member-form", className: "grid-form", "aria-label": "增加成员单位" }, [
      labelled("单位", unitSelect), labelled("代表", representative), labelled("职务", title),
      h("button", { type: "submit", className: "secondary" }, "增加成员单位"),
    ], async () => {
      const made = await attempt(() => call("POST", `/bodies/${bodyId}/members`, {
        unit_id: Number(unitSelect.value), representative_name: representative.value.trim(), title: title.value.trim(),
      }), () => "已增加成员单位");
      if (made) reload();
    }),
    h("h4", {}, "会议"),
    form({ id: "meeting-form", className: "grid-form", "aria-label": "登记会议" }, [
      labelled("会议名称", meetingTitle), labelled("召开时间", heldAt), labelled("议程（每行一项）", agenda),
      h("button", { type: "submit", className: "secondary" }, "登记会议"),
    ], async () => {
      const made = await attempt(() => call("POST", `/bodies/${bodyId}/meetings`, {
        title: meetingTitle.value.trim(),
        held_at: heldAt.value ? new Date(heldAt.value).toISOString() : "",
        agenda: agenda.value.split("\n").map((line) => line.trim()).filter(Boolean),
      }), () => "已登记会议");
      if (made) reload();
    }),
    h("ul", { id: "body-meetings", className: "records" }, detail.meetings.map((meeting) => meetingItem(meeting, detail.members, reload))));
}

// --- 班子任期 ---

const leadership = h("ul", { id: "leadership", className: "records" });
const leadershipOrg = h("select", { id: "leadership-org" });

async function loadLeadership() {
  if (!leadershipOrg.value) return;
  const seen = await attempt(() => call("GET", `/terms/leadership?org_id=${leadershipOrg.value}`), () => "");
  if (!seen) return;
  leadership.replaceChildren(...seen.posts.map((post) => h("li", { className: "record", data: { post: post.post } },
    node("strong", label("leadership_post", post.post), "record-title"),
    post.vacant ? statusBadge("空缺", "vacant") : node("span", `${post.term.holder_name}（${post.term.starts_on} 至 ${post.term.ends_on}）`))));
}

function termForm() {
  const post = select(names("leadership_post"));
  const holder = input({ maxLength: 50 });
  const starts = input({ type: "date" });
  const ends = input({ type: "date" });
  return form({ id: "term-form", className: "grid-form", "aria-label": "登记任期" }, [
    labelled("职务", post), labelled("姓名", holder), labelled("任期开始", starts), labelled("任期届满", ends),
    h("button", { type: "submit", className: "secondary" }, "登记任期"),
  ], async () => {
    const made = await attempt(() => call("POST", "/terms", {
      org_id: Number(leadershipOrg.value), post: post.value, holder_name: holder.value.trim(), starts_on: starts.value, ends_on: ends.value,
    }), (term) => `已登记${term.holder_name}的任期`);
    if (made) loadLeadership();
  });
}

// --- 年度工作报告 ---

// A figure the report was compiled without shows nothing (reports from before it was counted).
const figureText = (value, unit = "") => (value == null ? "" : `${value}${unit}`);

const reports = new Listing({
  path: "/annual-reports",
  row: (report) => {
    const figures = h("div", { className: "report-figures", hidden: true });
    return h("li", { className: "record", data: { reportId: report.id } },
      h("div", { className: "record-head" }, node("strong", `${orgName(report.org_id)} ${report.year} 年度工作报告`, "record-title"),
        statusBadge(label("report_status", report.status), report.status)),
      factList([
        ["服务需求", String(report.figures.requests_total)],
        ["确认服务时长", hoursText(report.figures.hours_confirmed_minutes)],
        ["召开会议", String(report.figures.meetings_held)],
        ["办结决议", String(report.figures.resolutions_done)],
        ["帮扶走访", figureText(report.figures.visits_made, " 次")],
        ["文化活动", figureText(report.figures.activities_held, " 场")],
      ]),
      h("div", { className: "record-actions" },
        button("查看全部数字", "secondary", () => showFigures(report, figures)),
        button("下载 Word", "secondary", () => attempt(() => download(`/annual-reports/${report.id}/report.docx`, "report.docx"), (name) => `已下载${name}`)),
        button("下载 Excel", "secondary", () => attempt(() => download(`/annual-reports/${report.id}/report.xlsx`, "report.xlsx"), (name) => `已下载${name}`))),
      figures);
  },
  emptyText: "暂无年度工作报告",
  ids: { list: "annual-report-list", summary: "annual-reports-summary" },
});

// Every figure as the Word and Excel files hold it (their names come with the report).
async function showFigures(report, holder) {
  const detail = await attempt(() => call("GET", `/annual-reports/${report.id}`), () => "");
  if (!detail) return;
  holder.hidden = false;
  holder.replaceChildren(h("table", { className: "results" },
    h("caption", {}, `${report.year} 年度主要数据`),
    h("thead", {}, h("tr", {}, node("th", "项目"), node("th", "数值"))),
    h("tbody", {}, detail.figure_rows.map(([name, value]) => h("tr", {}, node("th", name), node("td", value == null ? "—" : String(value)))))));
}

function reportForm() {
  const org = orgPicker(new Set(["street_working_committee"]));
  const year = input({ type: "number", min: 2000, max: 2100, value: new Date().getFullYear() });
  const narrative = h("textarea", { rows: 4, maxLength: 50000 });
  return form({ id: "report-form", className: "grid-form", "aria-label": "生成年度工作报告" }, [
    labelled("街道党工委", org), labelled("年度", year), labelled("报告正文", narrative),
    h("button", { type: "submit", className: "primary" }, "生成报告"),
  ], async () => {
    const made = await attempt(() => call("POST", "/annual-reports", { org_id: Number(org.value), year: Number(year.value), narrative: narrative.value }),
      (report) => `已生成 ${report.year} 年度工作报告`);
    if (made) reports.reloadFromFirstPage();
  });
}

export const tab = {
  id: "coordination-panel",
  title: "协调机制",
  route: "coordination",
  build() {
    leadershipOrg.addEventListener("change", loadLeadership);
    return h("section", { className: "card", "aria-labelledby": "coordination-heading" },
      h("h2", { id: "coordination-heading" }, "区域化党建协调机制"), error, notice,
      h("h3", {}, "驻区单位"), h("div", { id: "unit-form-holder" }), ...units.parts,
      h("h3", {}, "协调机构"), h("div", { id: "body-form-holder" }), ...bodies.parts, bodyPage,
      h("h3", {}, "班子成员任期"), labelled("组织", leadershipOrg), leadership, h("div", { id: "term-form-holder" }),
      h("h3", {}, "年度工作报告"), h("div", { id: "report-form-holder" }), ...reports.parts);
  },
  reset() {
    for (const listing of [units, bodies, reports]) listing.reset();
    bodyPage.replaceChildren();
    leadership.replaceChildren();
    leadershipOrg.replaceChildren();
    unitOptions(leadershipOrg, (unit) => TERM_KINDS.has(unit.kind));
    document.getElementById("unit-form-holder")?.replaceChildren(unitForm());
    document.getElementById("body-form-holder")?.replaceChildren(bodyForm());
    document.getElementById("term-form-holder")?.replaceChildren(termForm());
    document.getElementById("report-form-holder")?.replaceChildren(reportForm());
  },
  enter() {
    units.load();
    bodies.load();
    reports.load();
    loadLeadership();
  },
  available: (current) => current.admin || current.me.scopes.length > 0,
};

// --- 本单位党员 (a unit's liaison) ---

const unitMembers = h("ul", { id: "unit-members", className: "records" });

export const liaisonTab = {
  id: "unit-members-panel",
  title: "本单位党员",
  route: "unit-members",
  build() {
    return h("section", { className: "card", "aria-labelledby": "unit-members-heading" },
      h("h2", { id: "unit-members-heading" }, "本单位在职党员报到与服务情况"), unitMembers);
  },
  reset() {
    unitMembers.replaceChildren();
  },
  async enter() {
    const rows = [];
    for (const unitId of session.me.liaison_unit_ids) {
      const members = await attempt(() => call("GET", `/units/${unitId}/members`), () => "");
      for (const member of members?.items ?? []) {
        rows.push(h("li", { className: "record", data: { memberId: member.member_id } },
          h("div", { className: "record-head" }, node("strong", member.name, "record-title"),
            statusBadge(label("registration_status", member.status), member.status)),
          factList([
            ["报到社区", member.community_name],
            ["已确认服务时长", hoursText(member.confirmed_minutes)],
            ["待确认服务时长", hoursText(member.pending_minutes)],
            ["完成服务", `${member.services_confirmed} 次`],
          ])));
      }
    }
    unitMembers.replaceChildren(...(rows.length ? rows : [node("li", "暂无本单位在职党员", "empty")]), error);
  },
  available: (current) => (current.me.liaison_unit_ids ?? []).length > 0,
};

// For the home: resolutions in scope past their due date.
export async function overdueResolutions(list) {
  const page = await call("GET", `/resolutions?${filterQuery({ overdue: "1", per_page: "100" })}`);
  list.replaceChildren(...(page.items.length
    ? page.items.map((item) => node("li", `${item.text} · ${item.owner_unit_name} · 到期 ${item.due_date}`))
    : [node("li", "暂无逾期决议事项", "empty")]));
}
