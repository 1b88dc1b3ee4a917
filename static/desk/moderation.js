// 内容审核: texts and images WeChat's content check held. Until staff release or remove one,
// only its author sees it; the held text is shown here as plain text (textContent only).
import { button, factList, formatTime, h, labelled, node, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff } from "./session.js";

const SCENES = { 1: "资料", 2: "评论", 3: "论坛", 4: "社交日志" };

let statusFilter;

const queue = new Listing({
  path: "/moderation",
  query: () => filterQuery({ status: statusFilter.value }),
  row: holdRow,
  emptyText: "暂无待审核的内容",
  ids: { error: "moderation-error", notice: "moderation-notice", summary: "moderation-summary", list: "moderation-list" },
});

function holdRow(item) {
  const row = h("li", { className: "record", data: { holdId: item.id, status: item.status } },
    h("div", { className: "record-head" },
      node("strong", `${item.table_name} #${item.row_id}`, "record-title"),
      statusBadge(label("moderation_status", item.status), item.status)),
    node("p", item.content, "record-title"),
    factList([
      ["编号", `#${item.id}`],
      ["作者", `用户 #${item.author_id}`],
      ["原因", label("hold_reason", item.reason)],
      ["场景", SCENES[item.scene] || String(item.scene)],
      ["微信标签", item.label != null ? String(item.label) : ""],
      ["提交时间", formatTime(item.created_at)],
      ["处理时间", formatTime(item.decided_at)],
    ]));
  if (item.status === "review") {
    row.append(h("div", { className: "record-actions" },
      button("放行", "primary", () => queue.act(
        row, "POST", `/moderation/${item.id}/release`, undefined, () => `已放行内容 #${item.id}`)),
      button("删除", "secondary", () => queue.act(
        row, "POST", `/moderation/${item.id}/remove`, undefined, () => `已删除内容 #${item.id}`))));
  }
  return row;
}

export const tab = {
  id: "moderation-panel",
  title: "内容审核",
  route: "moderation",
  available: isStaff,
  build() {
    statusFilter = select(names("moderation_status"), { empty: "全部", value: "review" });
    statusFilter.id = "moderation-status";
    statusFilter.addEventListener("change", () => queue.reloadFromFirstPage());
    return h("section", { className: "card", "aria-labelledby": "moderation-heading" },
      h("h2", { id: "moderation-heading" }, "内容审核"),
      h("div", { className: "filters", role: "search", "aria-label": "筛选待审核内容" },
        labelled("状态", statusFilter, "inline"),
        button("刷新", "secondary", () => queue.load())),
      queue.parts);
  },
  reset() {
    statusFilter.value = "review";
    queue.reset();
  },
  enter: () => queue.load(),
};
