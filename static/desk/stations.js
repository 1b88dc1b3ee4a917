// 服务站点: the stations of the scope, their opening hours (weekly calendar and closed days), each
// position's page (positions.js: checklist evidence, funding, 冠名/中心户), and their QR display.
// The org filter lists an org's whole subtree (`within`), so a unit's stations include those below it.
import { call } from "./api.js";
import { alertLine, button, factList, form, h, labelled, node, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { WEEKDAYS, label, names, weekdayName } from "./meta.js";
import { stationPanel } from "./positions.js";
import { isStaff, orgName, session, unitOptions } from "./session.js";

let orgFilter;
let kindFilter;

const stations = new Listing({
  path: "/stations",
  query: () => filterQuery({ within: orgFilter.value, kind: kindFilter.value }),
  row: stationRow,
  emptyText: "暂无服务站点",
  ids: { error: "stations-error", notice: "stations-notice", summary: "stations-summary", list: "station-list" },
});

const spanText = (spans) => spans.map((span) => `${span.open}-${span.close}`).join(", ");

function weeklyText(hours) {
  const days = WEEKDAYS.filter((day) => hours.weekly?.[day]?.length);
  return days.length ? days.map((day) => `${weekdayName(day)} ${spanText(hours.weekly[day])}`).join("；") : "未设置";
}

function stationRow(station) {
  const hours = station.opening_hours || { weekly: {}, closed_days: [] };
  const item = h("li", { className: "record", data: { stationId: station.id } },
    h("div", { className: "record-head" },
      node("strong", station.name, "record-title"),
      node("span", label("station_kind", station.kind), "badge"),
      statusBadge(station.is_open ? "开放中" : "未开放", station.is_open ? "open" : "closed", "opening")),
    factList([
      ["所属组织", orgName(station.org_id)],
      ["地址", station.address],
      ["取得方式", label("acquisition", station.acquisition)],
      ["经费来源", station.funding && label("station_funding", station.funding)],
      ["开放时间", weeklyText(hours)],
      ["闭馆日", (hours.closed_days || []).join("、")],
      ["标准化建设", station.checklist_total != null && `${station.checklist_done} / ${station.checklist_total} 项`],
    ]));
  const editor = h("div", { className: "station-editor", hidden: true });
  const edit = button("编辑开放时间", "secondary", () => {
    editor.hidden = !editor.hidden;
    if (!editor.hidden) {
      editor.replaceChildren(hoursEditor(station));
      editor.querySelector("input")?.focus();
    }
  }, { "aria-expanded": "false" });
  edit.addEventListener("click", () => edit.setAttribute("aria-expanded", String(!editor.hidden)));
  const position = h("div", { className: "station-editor", hidden: true });
  const standards = button("标准化与经费", "secondary", () => {
    position.hidden = !position.hidden;
    standards.setAttribute("aria-expanded", String(!position.hidden));
    position.replaceChildren(position.hidden ? "" : stationPanel(station.id));
  }, { "aria-expanded": "false" });
  item.append(
    h("div", { className: "record-actions" },
      edit,
      standards,
      h("a", { className: "button-link secondary", href: `qr.html?station=${station.id}` }, "二维码大屏"),
      h("a", { className: "button-link secondary", href: `qr.html?station=${station.id}&print=1` }, "打印签到码")),
    editor, position);
  return item;
}

// "08:30-12:00, 14:00-17:30" → [{open, close}, ...]; null when a part is not a span.
function parseSpans(text) {
  const parts = text.split(/[,，;；\s]+/).filter(Boolean);
  const spans = [];
  for (const part of parts) {
    const match = /^(\d{1,2}:\d{2})\s*[-–~至]\s*(\d{1,2}:\d{2})$/.exec(part);
    if (!match) return null;
    spans.push({ open: match[1].padStart(5, "0"), close: match[2].padStart(5, "0") });
  }
  return spans;
}

function hoursEditor(station) {
  const hours = station.opening_hours || { weekly: {}, closed_days: [] };
  const error = alertLine();
  const days = WEEKDAYS.map((day) => {
    const input = h("input", { name: day, value: spanText(hours.weekly?.[day] || []), placeholder: "如 08:30-12:00, 14:00-17:30", autocomplete: "off" });
    return { day, input };
  });
  const closed = h("textarea", { name: "closed_days", rows: 3, placeholder: "每行一个日期，如 2026-10-01" });
  closed.value = (hours.closed_days || []).join("\n");
  const save = async () => {
    error.textContent = "";
    const weekly = {};
    for (const { day, input } of days) {
      const spans = parseSpans(input.value);
      if (!spans) {
        error.textContent = `${weekdayName(day)}的开放时间格式应为 08:30-12:00，多个时段用逗号分隔`;
        input.focus();
        return;
      }
      weekly[day] = spans;
    }
    const closedDays = closed.value.split(/[\s,，]+/).filter(Boolean);
    const submit = editorForm.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      await call("PATCH", `/stations/${station.id}`, { opening_hours: { weekly, closed_days: closedDays } });
      await stations.load();
      stations.notice.textContent = `已保存${station.name}的开放时间`;
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      submit.disabled = false;
    }
  };
  const editorForm = form({ className: "hours-form", "aria-label": `${station.name}的开放时间` }, [
    h("fieldset", {}, h("legend", {}, "每周开放时间（北京时间）"),
      h("div", { className: "week-grid" }, days.map(({ day, input }) => labelled(weekdayName(day), input)))),
    labelled("闭馆日（每行一个日期）", closed),
    error,
    h("button", { type: "submit", className: "primary" }, "保存开放时间"),
  ], save);
  return editorForm;
}

export const tab = {
  id: "stations-panel",
  title: "服务站点",
  available: isStaff,
  route: "stations",
  build() {
    orgFilter = h("select", { id: "station-org" });
    kindFilter = select(names("station_kind"), { empty: "全部类型" });
    kindFilter.id = "station-kind";
    orgFilter.addEventListener("change", () => stations.reloadFromFirstPage());
    kindFilter.addEventListener("change", () => stations.reloadFromFirstPage());
    return h("section", { className: "card", "aria-labelledby": "stations-heading" },
      h("h2", { id: "stations-heading" }, "服务站点"),
      h("div", { className: "filters", role: "search", "aria-label": "筛选服务站点" },
        labelled("所属组织", orgFilter, "inline"),
        labelled("站点类型", kindFilter, "inline"),
        button("刷新", "secondary", () => stations.load())),
      stations.parts);
  },
  reset() {
    // The station directory is public, but staff see their own scope's subtree (their first
    // scope's, when they hold several) unless they pick another unit of it.
    orgFilter.replaceChildren(session.admin ? h("option", { value: "" }, "全部") : "");
    unitOptions(orgFilter);
    kindFilter.value = "";
    stations.reset();
  },
  enter: () => stations.load(),
};
