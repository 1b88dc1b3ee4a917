// 消息推送: the outbox of subscription messages, delivery fields only (never their text),
// filtered by status and by event; a failed row can be sent again.
import { button, factList, formatTime, h, labelled, node, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff } from "./session.js";

let statusFilter;
let eventFilter;

const outbox = new Listing({
  path: "/notifications/outbox",
  query: () => filterQuery({ status: statusFilter.value, event: eventFilter.value }),
  row: outboxRow,
  emptyText: "暂无符合条件的推送记录",
  ids: { error: "outbox-error", notice: "outbox-notice", summary: "outbox-summary", list: "outbox-list" },
});

function outboxRow(item) {
  const row = h("li", { className: "record", data: { outboxId: item.id, status: item.status } },
    h("div", { className: "record-head" },
      node("strong", label("notification_event", item.event), "record-title"),
      statusBadge(label("delivery_status", item.status), item.status, "delivery")),
    factList([
      ["编号", `#${item.id}`],
      ["接收用户", `用户 #${item.user_id}`],
      ["尝试次数", String(item.attempts)],
      ["最近错误", item.last_error],
      ["创建时间", formatTime(item.created_at)],
      ["排队时间", formatTime(item.queued_at)],
      ["发送时间", formatTime(item.sent_at)],
    ]));
  if (item.status === "failed") {
    row.append(h("div", { className: "record-actions" }, button("重新发送", "primary", () => outbox.act(
      row, "POST", `/notifications/outbox/${item.id}/retry`, undefined,
      () => `已将推送 #${item.id} 重新排队发送`,
    ))));
  }
  return row;
}

export const tab = {
  id: "notifications-panel",
  title: "消息推送",
  available: isStaff,
  route: "notifications",
  build() {
    statusFilter = select(names("delivery_status"), { empty: "全部" });
    statusFilter.id = "outbox-status";
    statusFilter.addEventListener("change", () => outbox.reloadFromFirstPage());
    eventFilter = select(names("notification_event"), { empty: "全部" });
    eventFilter.id = "outbox-event";
    eventFilter.addEventListener("change", () => outbox.reloadFromFirstPage());
    return h("section", { className: "card", "aria-labelledby": "outbox-heading" },
      h("h2", { id: "outbox-heading" }, "消息推送"),
      h("div", { className: "filters", role: "search", "aria-label": "筛选推送记录" },
        labelled("发送情况", statusFilter, "inline"),
        labelled("通知事件", eventFilter, "inline"),
        button("刷新", "secondary", () => outbox.load())),
      outbox.parts);
  },
  reset() {
    statusFilter.value = "";
    eventFilter.value = "";
    outbox.reset();
  },
  enter: () => outbox.load(),
};
