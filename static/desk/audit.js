// 审计日志: who changed what, when, from where, and what it was before — newest first, filtered,
// and exported as .xlsx with the same filters. Administrators read everything, a secretary their scope.
import { download } from "./api.js";
import { alertLine, button, factList, formatTime, h, labelled, node, noticeLine, select } from "./dom.js";
import { Listing, filterQuery } from "./listing.js";
import { label, names } from "./meta.js";
import { isSecretary, orgName, unitOptions } from "./session.js";

const filters = {};
const exportError = alertLine("audit-export-error");
const exportNotice = noticeLine("audit-export-notice");

// A local day (YYYY-MM-DD) as the instant it starts in Beijing time, which the API's filters take.
const dayStart = (day) => (day ? `${day}T00:00:00+08:00` : "");

function nextDay(day) {
  if (!day) return "";
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

function query() {
  return filterQuery({
    org_id: filters.org.value,
    kind: filters.kind.value,
    action: filters.action.value.trim(),
    actor_id: filters.actor.value.trim(),
    since: dayStart(filters.from.value),
    until: dayStart(nextDay(filters.to.value)),
  });
}

const trail = new Listing({
  path: "/audit",
  query,
  row: entryRow,
  emptyText: "暂无符合条件的审计记录",
  ids: { error: "audit-error", notice: "audit-notice", summary: "audit-summary", list: "audit-list" },
});

// The changed columns, one "table:id" per line, as plain text: what was written stays text.
const changes = (values) => Object.entries(values || {}).map(([row, columns]) => `${row} ${JSON.stringify(columns)}`).join("\n");

function entryRow(entry) {
  return h("li", { className: "record", data: { auditId: entry.id } },
    h("div", { className: "record-head" },
      node("strong", entry.action, "record-title"),
      node("span", label("audit_kind", entry.kind), "badge")),
    factList([
      ["时间", formatTime(entry.at)],
      ["操作人", entry.actor_name ? `${entry.actor_name}（#${entry.actor_id}）` : ""],
      ["对象", entry.target_type ? `${entry.target_type} #${entry.target_id ?? ""}` : ""],
      ["所属组织", entry.org_id ? orgName(entry.org_id) : ""],
      ["IP 地址", entry.ip],
    ]),
    changes(entry.before) ? h("div", {}, node("h4", "修改前"), node("pre", changes(entry.before), "audit-values")) : null,
    changes(entry.after) ? h("div", {}, node("h4", "修改后"), node("pre", changes(entry.after), "audit-values")) : null);
}

async function exportTrail(trigger) {
  exportError.textContent = "";
  exportNotice.textContent = "正在生成…";
  trigger.disabled = true;
  try {
    const name = await download(`/audit.xlsx?${query()}`, "audit.xlsx");
    exportNotice.textContent = `已下载 ${name}`;
  } catch (failure) {
    exportNotice.textContent = "";
    exportError.textContent = failure.message;
  } finally {
    trigger.disabled = false;
  }
}

export const tab = {
  id: "audit-panel",
  title: "审计日志",
  route: "audit",
  available: isSecretary,
  build() {
    filters.org = h("select", { id: "audit-org" });
    filters.kind = select(names("audit_kind"), { empty: "全部" });
    filters.kind.id = "audit-kind";
    filters.action = h("input", { id: "audit-action", type: "text", placeholder: "如 requests.confirm" });
    filters.actor = h("input", { id: "audit-actor", type: "text", inputMode: "numeric", placeholder: "用户编号" });
    filters.from = h("input", { id: "audit-from", type: "date" });
    filters.to = h("input", { id: "audit-to", type: "date" });
    const search = (event) => { event?.preventDefault(); trail.reloadFromFirstPage(); };
    const exportButton = button("导出 Excel", "secondary", () => exportTrail(exportButton), { id: "audit-export" });
    const form = h("form", { className: "filters", role: "search", "aria-label": "筛选审计记录" },
      labelled("组织", filters.org, "inline"),
      labelled("类型", filters.kind, "inline"),
      labelled("操作", filters.action, "inline"),
      labelled("操作人编号", filters.actor, "inline"),
      labelled("开始日期", filters.from, "inline"),
      labelled("结束日期", filters.to, "inline"),
      h("button", { type: "submit", className: "primary" }, "查询"),
      exportButton);
    form.addEventListener("submit", search);
    return h("section", { className: "card", "aria-labelledby": "audit-heading" },
      h("h2", { id: "audit-heading" }, "审计日志"),
      h("p", { className: "muted" }, "工作人员和管理员的每一次修改（以及对敏感个人信息的查阅）都记录在此，记录不可修改或删除。"),
      form, exportError, exportNotice,
      trail.parts);
  },
  reset() {
    filters.org.replaceChildren(h("option", { value: "" }, "全部（我的范围）"));
    unitOptions(filters.org, (unit) => unit.kind !== "building_branch");
    for (const name of ["kind", "action", "actor", "from", "to"]) filters[name].value = "";
    exportError.textContent = "";
    exportNotice.textContent = "";
    trail.reset();
  },
  enter: () => trail.load(),
};
