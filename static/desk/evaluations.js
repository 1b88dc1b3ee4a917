// 述职评议: a street or district opens a round, adds its subjects, schedules the meeting, hands out
// one-time codes (printed as a sheet: the server shows them only once), records assessments, reads
// each subject's computed record and media, closes the round and reads the results (also as .xlsx).
import { call, download } from "./api.js";
import { alertLine, busy, button, factList, form, formatTime, h, labelled, localDate, node, select } from "./dom.js";
import { Listing, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, orgName, unitOptions } from "./session.js";

const ROUND_ORG_KINDS = ["street_working_committee", "district_committee"];
const SUBJECT_ORG_KINDS = ["community_general_branch", "enterprise_branch", "social_org_branch"];

const rounds = new Listing({
  path: "/evaluations",
  row: roundRow,
  emptyText: "暂无述职评议",
  ids: { error: "evaluations-error", notice: "evaluations-notice", summary: "evaluations-summary", list: "evaluation-list" },
});

let detail;
let creator;

function roundRow(round) {
  return h("li", { className: "record", data: { roundId: round.id } },
    h("div", { className: "record-head" },
      node("strong", `${round.year} 年 ${round.title}`, "record-title"),
      statusBadge(label("evaluation_round_status", round.status), round.status)),
    factList([["组织", round.org_name], ["述职大会", meetingText(round)]]),
    h("div", { className: "record-actions" }, button("打开", "secondary", () => showRound(round.id))));
}

const meetingText = (round) => (round.meeting_at ? `${formatTime(round.meeting_at)} ${round.meeting_place || ""}`.trim() : "未安排");

// A datetime-local value ("2026-12-01T14:30") is wall time in Asia/Shanghai.
const shanghaiInstant = (value) => (value ? `${value}:00+08:00` : null);

async function showRound(roundId) {
  detail.error.textContent = "";
  try {
    renderRound(await call("GET", `/evaluations/${roundId}`));
  } catch (error) {
    rounds.error.textContent = error.message;
  }
}

const reload = (round) => showRound(round.id);

function renderRound(round) {
  // Another round's codes must not stay on screen (nor be printed under this round's title).
  if (detail.section.dataset.roundId !== String(round.id)) {
    detail.sheet.replaceChildren();
    detail.sheet.hidden = true;
  }
  detail.section.hidden = false;
  detail.section.dataset.roundId = round.id;
  detail.heading.textContent = `${round.year} 年 ${round.title}`;
  const open = round.status === "open";
  const parts = [
    factList([
      ["组织", round.org_name],
      ["状态", label("evaluation_round_status", round.status)],
      ["评议维度", round.dimensions.join("、")],
      ["述职大会", meetingText(round)],
    ]),
  ];
  if (open) parts.push(meetingForm(round), subjectForm(round));
  parts.push(h("h3", {}, "述职对象"), subjectList(round), h("h3", {}, "评议码"), codeCounts(round));
  if (open) {
    parts.push(invitationForm(round), detail.sheet,
      button("结束评议", "secondary", (event) => busy([event.currentTarget], detail.error, async () => {
        // Closing ends the voting for good: asked once more.
        if (!window.confirm(`结束后不能再投票，确定结束「${round.title}」？`)) return;
        await call("POST", `/evaluations/${round.id}/close`);
        await Promise.all([reload(round), rounds.load()]);
        detail.notice.textContent = `已结束评议：${round.title}`;
      }), { id: "evaluation-close" }));
  } else {
    parts.push(h("h3", {}, "评议结果"), detail.results);
    loadResults(round);
  }
  detail.body.replaceChildren(...parts);
}

function meetingForm(round) {
  const at = h("input", { type: "datetime-local", name: "meeting_at", required: true });
  const place = h("input", { name: "meeting_place", maxLength: 200, autocomplete: "off", value: round.meeting_place || "" });
  const error = alertLine();
  const element = form({ className: "inline-form meeting-form", "aria-label": "安排述职大会" }, [
    labelled("大会时间", at), labelled("地点", place), h("button", { type: "submit", className: "secondary" }, "安排述职大会"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    if (!at.value) throw new Error("请填写大会时间");
    await call("PATCH", `/evaluations/${round.id}`, { meeting_at: shanghaiInstant(at.value), meeting_place: place.value.trim() || null });
    await reload(round);
    // Told after the reload, so the screen is the new one when the notice appears.
    detail.notice.textContent = "已安排述职大会，已通知各述职对象";
  }));
  return element;
}

function subjectForm(round) {
  const org = unitOptions(h("select", { name: "org_id" }), (unit) => SUBJECT_ORG_KINDS.includes(unit.kind));
  const error = alertLine();
  const element = form({ className: "inline-form subject-form", "aria-label": "添加述职对象" }, [
    labelled("述职对象", org), h("button", { type: "submit", className: "secondary" }, "添加述职对象"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    await call("POST", `/evaluations/${round.id}/subjects`, { org_id: Number(org.value) });
    const added = orgName(Number(org.value));
    await reload(round);
    detail.notice.textContent = `已添加述职对象：${added}`;
  }));
  return element;
}

function subjectList(round) {
  const list = h("ul", { className: "records subjects", id: "evaluation-subjects" });
  const rows = round.subjects.map((subject) => subjectRow(round, subject));
  list.replaceChildren(...(rows.length ? rows : [node("li", "尚未添加述职对象", "empty")]));
  return list;
}

function subjectRow(round, subject) {
  const more = h("div", { className: "subject-record" });
  const display = h("a", {
    className: "button-link secondary", href: `display.html?round=${round.id}&subject=${subject.id}`, target: "_blank", rel: "noopener",
  }, "大屏展示");
  return h("li", { className: "record", data: { subjectId: subject.id } },
    h("div", { className: "record-head" }, node("strong", subject.org_name, "record-title"),
      node("span", subject.report_text ? "已提交述职报告" : "未提交述职报告", "badge")),
    h("div", { className: "record-actions" },
      button("述职档案", "secondary", (event) => busy([event.currentTarget], detail.error, () => showRecord(round, subject, more))),
      display),
    round.status === "open" ? assessmentForm(round, subject, more) : null,
    more);
}

async function showRecord(round, subject, container) {
  const base = `/evaluations/${round.id}/subjects/${subject.id}`;
  const [record, assessments, media] = await Promise.all([
    call("GET", `${base}/record`), call("GET", `${base}/assessments`), call("GET", `${base}/media`),
  ]);
  container.replaceChildren(
    factList(recordFacts(record)),
    h("h4", {}, "考核记录"),
    h("ul", { className: "plain assessments" }, assessments.items.length
      ? assessments.items.map((a) => node("li", `${a.assessed_on} ${label("evaluation_assessment_kind", a.kind)} · ${a.item}：${a.score} 分${a.note ? `（${a.note}）` : ""}`))
      : [node("li", "暂无考核记录", "empty")]),
    h("h4", {}, "述职材料"),
    h("ul", { className: "plain media" }, media.items.length
      ? media.items.map((m) => node("li", `${label("evaluation_media_kind", m.kind)}：${m.title}${m.url ? ` ${m.url}` : ""}`))
      : [node("li", "暂无述职材料", "empty")]));
}

// The record's figures as label/value pairs (the display page draws the same ones as bars).
export function recordFacts(record) {
  return [
    ["服务需求（提交 / 确认）", `${record.requests.submitted} / ${record.requests.confirmed}`],
    ["确认服务时长", `${(record.hours.confirmed_minutes / 60).toFixed(1)} 小时（${record.hours.members_credited} 名党员）`],
    ["党员报到（通过）", String(record.registrations.approved)],
    ["签到", `${record.checkins.checkins} 次（${record.checkins.members} 名党员）`],
    ["阵地", `${record.stations.count} 个`],
    ["帮扶走访（确认）", `${record.visits.visits_confirmed} 次（${record.visits.care_targets_visited} 名帮扶对象）`],
    ["文化活动", `${record.activities.activities_held} 场（${record.activities.activity_participants_attended} 人次到场）`],
    ["协调会议 / 决议办结", `${record.coordination.meetings_held} 次 / ${record.coordination.resolutions_done} 项`],
    ["共建项目（完成）", `${record.coordination.projects_done} 个`],
  ];
}

function assessmentForm(round, subject, container) {
  const kind = select(names("evaluation_assessment_kind"), { value: "daily" });
  const on = h("input", { type: "date", name: "assessed_on", value: localDate(), required: true });
  const item = h("input", { name: "item", maxLength: 100, required: true, autocomplete: "off" });
  const score = h("input", { name: "score", type: "number", min: 0, max: 100, step: 1, required: true });
  const error = alertLine();
  const element = form({ className: "inline-form assessment-form", "aria-label": `考核${subject.org_name}` }, [
    labelled("考核类型", kind), labelled("日期", on), labelled("考核事项", item), labelled("得分", score),
    h("button", { type: "submit", className: "secondary" }, "记录考核"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const value = Number(score.value);
    if (!item.value.trim() || score.value === "" || !Number.isInteger(value)) throw new Error("请填写考核事项和 0–100 的得分");
    await call("POST", `/evaluations/${round.id}/subjects/${subject.id}/assessments`,
      { kind: kind.value, assessed_on: on.value, item: item.value.trim(), score: value });
    detail.notice.textContent = `已记录${subject.org_name}的考核：${item.value.trim()} ${value} 分`;
    item.value = "";
    score.value = "";
    await showRecord(round, subject, container);
  }));
  return element;
}

function codeCounts(round) {
  const rows = round.codes.map((count) => node("li", `${label("evaluation_sector", count.sector)}：发放 ${count.codes}，已使用 ${count.spent}`));
  return h("ul", { className: "plain code-counts", id: "evaluation-code-counts" }, rows.length ? rows : [node("li", "尚未发放评议码", "empty")]);
}

function invitationForm(round) {
  const sector = select(names("evaluation_sector"), { value: "member" });
  const count = h("input", { name: "count", type: "number", min: 1, max: 500, step: 1, value: 10, required: true });
  const error = alertLine();
  const element = form({ className: "inline-form invitation-form", "aria-label": "发放评议码" }, [
    labelled("界别", sector), labelled("数量", count), h("button", { type: "submit", className: "primary" }, "生成评议码"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const result = await call("POST", `/evaluations/${round.id}/invitations`, { sector: sector.value, count: Number(count.value) });
    showSheet(round, sector.value, result.codes);
    await reloadCounts(round);
  }));
  return element;
}

async function reloadCounts(round) {
  const fresh = await call("GET", `/evaluations/${round.id}`);
  detail.body.querySelector("#evaluation-code-counts")?.replaceWith(codeCounts(fresh));
}

// The codes exist only in this answer: shown as a sheet to print and cut, one code per slip.
function showSheet(round, sector, codes) {
  detail.sheet.hidden = false;
  detail.sheet.replaceChildren(
    node("h3", `${round.year} 年 ${round.title} · ${label("evaluation_sector", sector)}评议码（${codes.length} 张）`),
    node("p", "评议码只显示这一次，请立即打印；每张评议码只能投票一次。", "notice no-print"),
    h("ol", { className: "code-list" }, codes.map((code) => h("li", { className: "code-slip" },
      node("span", round.title, "code-title"), node("strong", code, "code")))),
    button("打印评议码", "secondary no-print", () => {
      document.body.classList.add("printing-codes");
      window.print();
    }, { id: "print-codes" }));
}

window.addEventListener("afterprint", () => document.body.classList.remove("printing-codes"));

async function loadResults(round) {
  try {
    const results = await call("GET", `/evaluations/${round.id}/results`);
    const exporter = button("导出评议结果", "secondary", (event) => busy([event.currentTarget], detail.error, async () => {
      const name = await download(`/evaluations/${round.id}/results.xlsx`, `evaluation-${round.id}-results.xlsx`);
      detail.notice.textContent = `已下载 ${name}`;
    }), { id: "evaluation-results-export" });
    detail.results.replaceChildren(node("p", `共 ${results.ballots} 张选票；每个界别不足 ${results.min_ballots_for_mean} 票时不显示均分`, "muted"),
      ...results.subjects.map((subject) => resultTable(round, subject, results.min_ballots_for_mean)), exporter);
  } catch (error) {
    detail.error.textContent = error.message;
  }
}

function resultTable(round, subject, minimum) {
  const head = h("tr", {}, node("th", "界别"), node("th", "票数"), round.dimensions.map((dimension) => node("th", dimension)));
  const rows = subject.sectors.map((sector) => h("tr", { data: { sector: sector.sector } },
    node("th", label("evaluation_sector", sector.sector)), node("td", String(sector.ballots)),
    round.dimensions.map((dimension) => {
      const cell = sector.dimensions.find((d) => d.dimension === dimension);
      return node("td", cell && cell.mean !== null ? cell.mean.toFixed(2) : `不足 ${minimum} 票`);
    })));
  return h("table", { className: "results", data: { subjectId: subject.subject_id } },
    node("caption", subject.org_name), h("thead", {}, head), h("tbody", {}, rows));
}

function createForm() {
  const org = h("select", { id: "evaluation-org" });
  const year = h("input", { id: "evaluation-year", type: "number", min: 2000, max: 2100, value: localDate().slice(0, 4), required: true });
  const title = h("input", { id: "evaluation-title", maxLength: 100, required: true, autocomplete: "off", value: "书记抓基层党建述职评议" });
  const error = alertLine("evaluation-create-error");
  const element = form({ id: "evaluation-create", className: "inline-form", "aria-label": "开启述职评议" }, [
    labelled("组织", org), labelled("年度", year), labelled("名称", title),
    h("button", { type: "submit", className: "primary" }, "开启述职评议"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const round = await call("POST", "/evaluations", { org_id: Number(org.value), year: Number(year.value), title: title.value.trim() });
    rounds.notice.textContent = `已开启述职评议：${round.title}`;
    await rounds.reloadFromFirstPage();
    renderRound(round);
  }));
  element.resetOrgs = () => {
    org.replaceChildren();
    unitOptions(org, (unit) => ROUND_ORG_KINDS.includes(unit.kind));
  };
  return element;
}

export const tab = {
  id: "evaluations-panel",
  title: "述职评议",
  route: "evaluations",
  available: isStaff,
  build() {
    creator = createForm();
    detail = {
      error: alertLine("evaluation-error"),
      notice: h("p", { id: "evaluation-notice", className: "notice", role: "status" }),
      heading: h("h2", { id: "evaluation-heading" }),
      body: h("div", { className: "evaluation-body" }),
      sheet: h("section", { id: "code-sheet", className: "code-sheet", hidden: true, "aria-label": "评议码" }),
      results: h("div", { id: "evaluation-results", className: "evaluation-results" }),
    };
    detail.section = h("section", { id: "evaluation-detail", className: "card", hidden: true, "aria-labelledby": "evaluation-heading" },
      detail.heading, detail.error, detail.notice, detail.body);
    return h("div", {},
      h("section", { className: "card", "aria-labelledby": "evaluations-heading" },
        h("h2", { id: "evaluations-heading" }, "述职评议"),
        creator,
        h("div", { className: "filters" }, button("刷新", "secondary", () => rounds.load())),
        rounds.parts),
      detail.section);
  },
  reset() {
    creator.resetOrgs();
    rounds.reset();
    detail.section.hidden = true;
    detail.body.replaceChildren();
    detail.sheet.replaceChildren();
    detail.sheet.hidden = true;
  },
  enter: () => rounds.load(),
};
