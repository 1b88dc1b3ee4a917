// 首页: today's figures for the scope, a 12-week chart of requests and confirmed hours, the org tree.
import { call } from "./api.js";
import { alertLine, h, hoursText, labelled, node } from "./dom.js";
import { label } from "./meta.js";
import { barChart } from "./chart.js";
import { isStaff, session, unitOptions } from "./session.js";
import { overdueResolutions } from "./coordination.js";

const scopeSelect = h("select", { id: "dashboard-org" });
const error = alertLine("dashboard-error");
const figures = h("dl", { id: "figures", className: "figures", "aria-live": "polite" });
const byStatus = h("ul", { id: "open-by-status", className: "status-counts" });
const chart = h("div", { id: "weekly-chart", className: "chart-box" });
const scopes = h("ul", { id: "scopes" });
const tree = h("div", { id: "tree", className: "tree" });
const overdue = h("ul", { id: "overdue-resolutions" });
let ticket = 0;

// Requests still in the staff's hands (not confirmed, cancelled or expired for good).
const CLOSED = new Set(["confirmed", "cancelled"]);

function figure(term, value, id) {
  return h("div", { className: "figure", data: { figure: id } }, h("dt", {}, term), h("dd", {}, String(value)));
}

function render(dashboard) {
  const today = dashboard.today;
  const counts = Object.entries(today.requests_by_status);
  const open = counts.filter(([status]) => !CLOSED.has(status)).reduce((sum, [, n]) => sum + n, 0);
  figures.replaceChildren(
    figure("进行中的服务请求", open, "open_requests"),
    figure("超时请求", today.overdue_requests, "overdue_requests"),
    figure("今日签到", today.checkins_today, "checkins_today"),
    figure("在岗党员", today.members_on_duty, "members_on_duty"),
    figure("本月已确认时长", hoursText(today.hours_confirmed_this_month_minutes), "hours_confirmed_this_month"),
    figure("待审核报到", today.registrations_waiting, "registrations_waiting"),
    figure("待处理更正", today.corrections_waiting ?? 0, "corrections_waiting"),
  );
  byStatus.replaceChildren(...counts.filter(([, n]) => n).map(([status, n]) =>
    h("li", { data: { status } }, node("span", label("request_status", status), "badge status"), ` ${n}`)));
  if (!byStatus.children.length) byStatus.append(node("li", "暂无进行中的服务请求", "empty"));
  const weeks = dashboard.weeks.map((week) => ({
    label: week.week_start.slice(5).replace("-", "/"),
    values: [week.requests, week.confirmed_minutes],
  }));
  chart.replaceChildren(
    barChart({
      title: `${dashboard.org_name}：近 12 周服务请求与已确认时长`,
      groups: weeks,
      series: [
        { name: "服务请求", className: "requests", format: (n) => `${n}` },
        { name: "已确认时长", className: "hours", format: (m, short) => (short ? `${Math.round(m / 60)}h` : hoursText(m)) },
      ],
    }),
    h("p", { className: "legend" }, node("span", "服务请求（件）", "key requests"), node("span", "已确认时长（小时）", "key hours")),
  );
}

async function loadDashboard() {
  const mine = ++ticket;
  error.textContent = "";
  figures.setAttribute("aria-busy", "true");
  try {
    const query = scopeSelect.value ? `?org_id=${scopeSelect.value}` : "";
    const dashboard = await call("GET", `/dashboard${query}`);
    if (mine === ticket) render(dashboard);
  } catch (failure) {
    if (mine === ticket) error.textContent = failure.message;
  } finally {
    if (mine === ticket) figures.removeAttribute("aria-busy");
  }
}

function renderTree(unit) {
  const item = h("li", {}, node("span", unit.name), node("span", label("org_kind", unit.kind), "kind"));
  if (unit.children.length) item.append(h("ul", {}, unit.children.map(renderTree)));
  return item;
}

export const tab = {
  id: "overview-panel",
  title: "首页",
  available: isStaff,
  route: "home",
  build() {
    scopeSelect.addEventListener("change", loadDashboard);
    return h("div", {},
      h("section", { className: "card", "aria-labelledby": "today-heading" },
        h("div", { className: "card-head" },
          h("h2", { id: "today-heading" }, "今日工作"),
          labelled("范围", scopeSelect, "inline")),
        error, figures,
        h("h3", {}, "进行中的请求（按状态）"), byStatus,
        h("h3", {}, "近 12 周"), chart),
      h("div", { className: "card" }, h("h2", {}, "逾期未办结的决议事项"), overdue),
      h("div", { className: "card" }, h("h2", {}, "我的权限范围"), scopes),
      h("div", { className: "card" }, h("h2", {}, "组织体系"), tree));
  },
  reset() {
    scopeSelect.replaceChildren();
    unitOptions(scopeSelect, (unit) => unit.kind !== "building_branch");
    scopes.replaceChildren();
    if (session.admin) scopes.append(node("li", "管理员：全部组织"));
    for (const scope of session.me.scopes) {
      const unit = session.units.get(scope.org_id);
      scopes.append(node("li", `${unit ? unit.name : `组织 #${scope.org_id}`} · ${label("staff_role", scope.role)}`));
    }
    tree.replaceChildren(h("ul", {}, session.roots.map(renderTree)));
    figures.replaceChildren();
    chart.replaceChildren();
    byStatus.replaceChildren();
  },
  enter() {
    loadDashboard();
    overdueResolutions(overdue).catch((failure) => { error.textContent = failure.message; });
  },
};
