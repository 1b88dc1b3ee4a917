// 帮扶走访: care targets of the scope (every read is recorded in the audit trail), assigning
// visitors, visits to confirm (which credits the visitor's hours), overdue visit plans, and the
// visits of a period as .xlsx.
import { call, download } from "./api.js";
import { alertLine, busy, button, factList, form, h, labelled, localDate, memberName, minutesText, node, noticeLine } from "./dom.js";
import { Listing, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, orgName, unitOptions } from "./session.js";

const targets = new Listing({
  path: "/care-targets",
  row: targetRow,
  emptyText: "暂无帮扶对象",
  ids: { error: "care-error", notice: "care-notice", summary: "care-summary", list: "care-target-list" },
});

const visits = new Listing({
  path: "/visits",
  query: () => new URLSearchParams({ status: "pending" }),
  row: visitRow,
  emptyText: "暂无待确认的走访",
  ids: { error: "visits-error", notice: "visits-notice", summary: "visits-summary", list: "visit-list" },
});

const overdue = new Listing({
  path: "/visit-plans",
  query: () => new URLSearchParams({ overdue: "true" }),
  row: planRow,
  emptyText: "暂无逾期的走访",
  ids: { error: "plans-error", notice: "plans-notice", summary: "plans-summary", list: "overdue-plan-list" },
});

function targetRow(target) {
  const item = h("li", { className: "record", data: { careTargetId: target.id } },
    h("div", { className: "record-head" },
      node("strong", target.name, "record-title"),
      ...target.kinds.map((kind) => node("span", label("care_kind", kind), "badge"))),
    factList([
      ["楼院", orgName(target.building_id)],
      ["需求", target.needs.join("；")],
      ["地址", target.address],
      ["同意登记日期", target.consent_on],
    ]));
  item.append(planForm(target));
  return item;
}

function planForm(target) {
  const visitor = h("input", { name: "visitor_id", type: "number", min: 1, required: true });
  const every = h("input", { name: "every_weeks", type: "number", min: 1, max: 52, value: 2, required: true });
  const error = alertLine();
  const element = form({ className: "inline-form plan-form", "aria-label": `为${target.name}指派走访人` }, [
    labelled("走访人编号", visitor), labelled("每几周走访一次", every),
    h("button", { type: "submit", className: "secondary" }, "指派走访"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const plan = await call("POST", `/care-targets/${target.id}/plans`,
      { visitor_id: Number(visitor.value), every_weeks: Number(every.value) });
    targets.notice.textContent = `已指派${plan.visitor_name}每 ${plan.every_weeks} 周走访${target.name}`;
    visitor.value = "";
  }));
  return element;
}

function visitRow(visit) {
  const item = h("li", { className: "record", data: { visitId: visit.id } },
    h("div", { className: "record-head" },
      node("strong", memberName(visit.visitor_id, visit.visitor_name), "record-title"),
      statusBadge(label("visit_status", visit.status), visit.status)),
    factList([
      ["楼院", orgName(visit.building_id)],
      ["走访日期", visit.visited_on],
      ["时长", minutesText(visit.minutes)],
      ["情况", visit.summary],
      ["照片", visit.photos.length ? `${visit.photos.length} 张` : ""],
    ]));
  item.append(h("div", { className: "record-actions" },
    button("确认", "primary", () => visits.act(item, "POST", `/visits/${visit.id}/confirm`, undefined,
      () => `已确认${memberName(visit.visitor_id, visit.visitor_name)}的走访，计入服务时长 ${visit.minutes} 分钟`)),
    button("退回", "secondary", () => visits.act(item, "POST", `/visits/${visit.id}/reject`, { reason: "请补充走访情况" },
      () => `已退回${memberName(visit.visitor_id, visit.visitor_name)}的走访记录`))));
  return item;
}

function planRow(plan) {
  return h("li", { className: "record", data: { planId: plan.id } },
    h("div", { className: "record-head" },
      node("strong", memberName(plan.visitor_id, plan.visitor_name), "record-title"),
      statusBadge("已逾期", "overdue")),
    factList([
      ["楼院", orgName(plan.building_id)],
      ["应走访日期", plan.next_due_on],
      ["频次", `每 ${plan.every_weeks} 周`],
    ]));
}

function createForm() {
  const name = h("input", { id: "care-name", maxLength: 50, required: true, autocomplete: "off" });
  const building = h("select", { id: "care-building" });
  const needs = h("textarea", { id: "care-needs", rows: 2, placeholder: "每行一项需求" });
  const consent = h("input", { id: "care-consent", type: "date", value: localDate() });
  const kinds = Object.entries(names("care_kind")).map(([kind, text]) => {
    const box = h("input", { type: "checkbox", name: kind });
    return { kind, box, label: h("label", { className: "check" }, box, ` ${text}`) };
  });
  const error = alertLine("care-create-error");
  const element = form({ id: "care-create", className: "inline-form", "aria-label": "登记帮扶对象" }, [
    labelled("姓名", name), labelled("楼院", building),
    h("fieldset", {}, h("legend", {}, "类别"), kinds.map((k) => k.label)),
    labelled("需求", needs), labelled("本人同意登记日期", consent),
    h("button", { type: "submit", className: "primary" }, "登记帮扶对象"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    await call("POST", "/care-targets", {
      name: name.value.trim(), building_id: Number(building.value), consent_on: consent.value,
      needs: needs.value.split("\n").map((line) => line.trim()).filter(Boolean),
      kinds: kinds.filter((k) => k.box.checked).map((k) => k.kind),
    });
    name.value = "";
    needs.value = "";
    await targets.reloadFromFirstPage();
    targets.notice.textContent = "已登记帮扶对象";
  }));
  element.resetBuildings = () => {
    building.replaceChildren();
    unitOptions(building, (unit) => unit.kind === "building_branch");
  };
  return element;
}

// The visits of an org (with its buildings) made in a period, as a workbook; each care target in it is an audited read.
function exportForm() {
  const org = h("select", { id: "visits-export-org" });
  const from = h("input", { id: "visits-export-from", type: "date" });
  const to = h("input", { id: "visits-export-to", type: "date" });
  const error = alertLine("visits-export-error");
  const notice = noticeLine("visits-export-notice");
  const element = form({ id: "visits-export", className: "inline-form", "aria-label": "导出走访记录" }, [
    labelled("组织", org), labelled("开始日期", from), labelled("结束日期", to),
    h("button", { type: "submit", className: "secondary" }, "导出走访记录"), error, notice,
  ], async () => {
    notice.textContent = "";
    if (from.value && to.value && from.value > to.value) {
      error.textContent = "开始日期不能晚于结束日期";
      return;
    }
    const query = new URLSearchParams({ org_id: org.value });
    if (from.value) query.set("from", from.value);
    if (to.value) query.set("to", to.value);
    const name = await busy(element.querySelectorAll("button"), error, () => download(`/visits.xlsx?${query}`, "visits.xlsx"));
    if (name) notice.textContent = `已下载 ${name}`;
  });
  element.prepare = () => {
    org.replaceChildren();
    unitOptions(org);
    const today = localDate();
    from.value = `${today.slice(0, 4)}-01-01`;
    to.value = today;
    error.textContent = "";
    notice.textContent = "";
  };
  return element;
}

let creator;
let exporter;

export const tab = {
  id: "care-panel",
  title: "帮扶走访",
  available: isStaff,
  route: "care",
  build() {
    creator = createForm();
    exporter = exportForm();
    return h("section", { className: "card", "aria-labelledby": "care-heading" },
      h("h2", { id: "care-heading" }, "帮扶走访"),
      node("p", "帮扶对象属于敏感个人信息：仅管辖楼院的工作人员和指派的走访人可见，每次查看均记入审计日志。", "muted"),
      h("h3", {}, "待确认的走访"), ...visits.parts,
      h("h3", {}, "逾期的走访"), ...overdue.parts,
      h("h3", {}, "帮扶对象"), creator, ...targets.parts,
      h("h3", {}, "导出走访记录"),
      node("p", "导出所选组织（含下级楼院）在所选期间（北京时间，含首尾两天）的走访记录，Excel 格式；不含需求、地址和照片，导出记入审计日志。", "muted"),
      exporter);
  },
  reset() {
    creator.resetBuildings();
    exporter.prepare();
    for (const listing of [targets, visits, overdue]) listing.reset();
  },
  enter: () => Promise.all([visits.load(), overdue.load(), targets.load()]),
};
