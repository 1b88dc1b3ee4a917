// 数据导出: hours per member and requests of a period for an org in scope, as .xlsx files.
import { download } from "./api.js";
import { alertLine, button, h, labelled, localDate, noticeLine } from "./dom.js";
import { isStaff, unitOptions } from "./session.js";

let orgSelect;
let from;
let to;
const error = alertLine("exports-error");
const notice = noticeLine("exports-notice");

async function exportFile(kind, fallbackName, trigger) {
  error.textContent = "";
  notice.textContent = "";
  if (from.value && to.value && from.value > to.value) {
    error.textContent = "开始日期不能晚于结束日期";
    from.focus();
    return;
  }
  const query = new URLSearchParams({ org_id: orgSelect.value });
  if (from.value) query.set("from", from.value);
  if (to.value) query.set("to", to.value);
  trigger.disabled = true;
  notice.textContent = "正在生成…";
  try {
    const name = await download(`/exports/${kind}.xlsx?${query}`, fallbackName);
    notice.textContent = `已下载 ${name}`;
  } catch (failure) {
    notice.textContent = "";
    error.textContent = failure.message;
  } finally {
    trigger.disabled = false;
  }
}

export const tab = {
  id: "exports-panel",
  title: "数据导出",
  available: isStaff,
  route: "exports",
  build() {
    orgSelect = h("select", { id: "export-org" });
    from = h("input", { id: "export-from", type: "date" });
    to = h("input", { id: "export-to", type: "date" });
    const hours = button("导出党员服务时长", "primary", () => exportFile("hours", "hours.xlsx", hours), { id: "export-hours" });
    const requests = button("导出服务请求", "primary", () => exportFile("requests", "requests.xlsx", requests), { id: "export-requests" });
    return h("section", { className: "card", "aria-labelledby": "exports-heading" },
      h("h2", { id: "exports-heading" }, "数据导出"),
      h("p", { className: "muted" }, "导出所选组织（含下级）在所选期间的数据，Excel 格式（.xlsx）；日期按北京时间计，含首尾两天。"),
      h("div", { className: "filters" },
        labelled("组织", orgSelect, "inline"),
        labelled("开始日期", from, "inline"),
        labelled("结束日期", to, "inline")),
      error, notice,
      h("div", { className: "export-actions" }, hours, requests));
  },
  reset() {
    orgSelect.replaceChildren();
    unitOptions(orgSelect, (unit) => unit.kind !== "building_branch");
    const today = localDate();
    from.value = `${today.slice(0, 4)}-01-01`;
    to.value = today;
    error.textContent = "";
    notice.textContent = "";
  },
};
